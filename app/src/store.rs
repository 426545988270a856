//! The IndexedDB adapter: where every document lives on the tablet.
//!
//! Database `giamsat`, version 1:
//! - `docs`: document id → the document saved whole (Automerge's compressed format), written
//!   in one transaction after every change, so a closed tab or a crash loses nothing that
//!   was on screen before the write completed.
//! - `meta`: small strings — the member's name, this device's actor id, the catalogue's id,
//!   and `confirmed:<doc id>` (the server heads last known to cover that document).
//!
//! Nothing here knows what a finding is; it stores bytes and strings.

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};

const DB_NAME: &str = "giamsat";
const DOCS: &str = "docs";
const META: &str = "meta";

/// A storage failure, with the browser's own words (quota exceeded, blocked, …).
#[derive(Debug, Clone)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// The open database.
pub struct Store {
    db: Database,
}

impl Store {
    /// Open (creating or upgrading) the database.
    pub async fn open() -> Result<Store, StoreError> {
        let db = Database::open(DB_NAME)
            .with_version(1u8)
            .with_on_upgrade_needed(|event, db| {
                if event.old_version() < 1.0 {
                    db.create_object_store(DOCS).build()?;
                    db.create_object_store(META).build()?;
                }
                Ok(())
            })
            .await
            .map_err(|e| StoreError(e.to_string()))?;
        Ok(Store { db })
    }

    /// Every stored document: (id, saved bytes).
    pub async fn load_docs(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let tx = self.db.transaction(DOCS).build()?;
        let store = tx.object_store(DOCS)?;
        let keys: Vec<JsValue> = store.get_all_keys::<JsValue>().primitive()?.await?.collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let Some(id) = key.as_string() else { continue };
            let value: Option<JsValue> = store.get(id.clone()).primitive()?.await?;
            if let Some(bytes) = value.and_then(|v| v.dyn_into::<Uint8Array>().ok()) {
                out.push((id, bytes.to_vec()));
            }
        }
        Ok(out)
    }

    /// Write one document whole, and its confirmed heads, in one transaction.
    pub async fn save_doc(&self, id: &str, bytes: &[u8], confirmed: &str) -> Result<(), StoreError> {
        let tx = self.db.transaction([DOCS, META]).with_mode(TransactionMode::Readwrite).build()?;
        let docs = tx.object_store(DOCS)?;
        let meta = tx.object_store(META)?;
        let value: JsValue = Uint8Array::from(bytes).into();
        docs.put(value).with_key(id.to_owned()).primitive()?;
        meta.put(JsValue::from_str(confirmed)).with_key(format!("confirmed:{id}")).primitive()?;
        tx.commit().await?;
        Ok(())
    }

    /// A small stored string.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let tx = self.db.transaction(META).build()?;
        let store = tx.object_store(META)?;
        let value: Option<JsValue> = store.get(key.to_owned()).primitive()?.await?;
        Ok(value.and_then(|v| v.as_string()))
    }

    /// Store a small string.
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let tx = self.db.transaction(META).with_mode(TransactionMode::Readwrite).build()?;
        let store = tx.object_store(META)?;
        store.put(JsValue::from_str(value)).with_key(key.to_owned()).primitive()?;
        tx.commit().await?;
        Ok(())
    }
}
