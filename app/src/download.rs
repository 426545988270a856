//! Saving a file the app made (an exported DOCX) to the tablet: a Blob, a temporary object
//! URL, and a click on a link with `download`. Works offline: nothing leaves the device.

use wasm_bindgen::JsCast;

/// Offer `bytes` to the browser as a file named `name`.
pub fn save(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let err = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(err)?
        .dyn_into()
        .map_err(|_| "not a link".to_owned())?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The click has handed the blob to the download; the URL is not needed any more.
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// A file name from a title: letters without their accents, digits, dashes.
pub fn file_name(stem: &str, extension: &str) -> String {
    let plain: String = shared::search::fold(stem)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let joined = plain
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let stem = if joined.is_empty() {
        "van-ban"
    } else {
        &joined
    };
    format!("{}.{extension}", &stem[..stem.len().min(60)])
}
