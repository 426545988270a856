//! The deployment's catalogue document (see `shared::catalogue`): made at first start, its id
//! kept in the `meta` table so every start, and every client, finds the same one.

use samod::Repo;

use crate::error::ServerError;
use crate::storage::SqliteStorage;

const KEY: &str = "catalogue_id";

/// The catalogue's document id, creating the document on first start.
pub async fn ensure(repo: &Repo, storage: &SqliteStorage) -> Result<String, ServerError> {
    if let Some(id) = storage.meta(KEY).await? {
        return Ok(id);
    }
    let doc = shared::schema::new_catalogue(crate::now_ms())
        .map_err(|e| ServerError::Startup(e.to_string()))?;
    let handle = repo.create(doc).await.map_err(|_| {
        ServerError::Startup("the repo stopped while creating the catalogue".into())
    })?;
    let id = handle.document_id().to_string();
    storage.set_meta(KEY, id.clone()).await?;
    tracing::info!("created the catalogue document {id}");
    Ok(id)
}
