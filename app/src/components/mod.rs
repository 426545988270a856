//! The screens and their parts. One file per screen or panel; each component a screen or less.

pub mod account_bar;
pub mod admin_page;
pub mod admin_sessions;
pub mod app;
pub mod conclusion_panel;
pub mod conflict;
pub mod delegation_page;
pub mod evidence;
pub mod finding;
pub mod invitation_page;
pub mod live_text;
pub mod new_supervision;
pub mod presence_bar;
pub mod recommendations;
pub mod remote;
pub mod route;
pub mod search_box;
pub mod session_block;
pub mod session_notice;
pub mod setup_panel;
pub mod sign_in;
pub mod status;
pub mod supervision_list;
pub mod supervision_page;
pub mod unit_section;
