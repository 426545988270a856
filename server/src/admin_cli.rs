//! `giamsat-server admin create`: the first administrator is made on the server's machine,
//! by someone who can read its data directory; there is no default password. The password
//! is asked twice on a terminal (not echoed), or read from standard input with
//! `--password-stdin` (scripts, tests). Neither it nor its hash is ever printed.

use std::io::BufRead;

use crate::accounts::{Accounts, audit, password, store};
use crate::config::{AdminCommand, Config};
use crate::error::ServerError;

/// Run an `admin` command against the database under `--data-dir`.
pub fn run(config: &Config, command: &AdminCommand) -> Result<String, ServerError> {
    match command {
        AdminCommand::Create {
            username,
            display_name,
            password_stdin,
        } => {
            let username = username.trim();
            store::check_username(username)?;
            let display = store::check_name(display_name.as_deref().unwrap_or(username))?;
            let password = if *password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).map_err(|e| {
                    ServerError::BadRequest(format!("cannot read the password: {e}"))
                })?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                let first = rpassword::prompt_password("Mật khẩu / Password: ").map_err(|e| {
                    ServerError::BadRequest(format!("cannot read the password: {e}"))
                })?;
                let again = rpassword::prompt_password("Nhập lại / Again: ").map_err(|e| {
                    ServerError::BadRequest(format!("cannot read the password: {e}"))
                })?;
                if first != again {
                    return Err(ServerError::BadRequest(
                        "Hai lần nhập mật khẩu không khớp. / The two passwords differ.".into(),
                    ));
                }
                first
            };
            password::check_new(&password)?;
            let hash = password::hash_now(&password)?;
            std::fs::create_dir_all(&config.data_dir).map_err(|e| {
                ServerError::Startup(format!("cannot create {}: {e}", config.data_dir.display()))
            })?;
            let accounts = Accounts::for_config(config)?;
            let id = accounts.with_now(|c| {
                let id = store::create_user(c, username, &display, &hash, true, crate::now_ms())?;
                audit::record(
                    c,
                    crate::now_ms(),
                    "account-created",
                    Some((id, username)),
                    "administrator, from the command line",
                );
                Ok(id)
            })?;
            Ok(format!(
                "Đã tạo quản trị viên {username} (id {id}). / Created administrator {username} (id {id})."
            ))
        }
    }
}
