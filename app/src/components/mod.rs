//! The screens and their parts. One file per screen or panel; each component a screen or less.

pub mod app;
pub mod conclusion_panel;
pub mod conflict;
pub mod evidence;
pub mod finding;
pub mod live_text;
pub mod name_form;
pub mod new_supervision;
pub mod presence_bar;
pub mod recommendations;
pub mod route;
pub mod search_box;
pub mod session_block;
pub mod setup_panel;
pub mod status;
pub mod supervision_list;
pub mod supervision_page;
pub mod unit_section;
