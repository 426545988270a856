//! The screens and their parts. One file per screen; each component a screen or less.

pub mod app;
pub mod finding;
pub mod name_form;
pub mod new_supervision;
pub mod route;
pub mod status;
pub mod supervision_list;
pub mod supervision_page;
pub mod unit_section;
