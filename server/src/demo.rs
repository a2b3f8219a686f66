//! The live issuer page at `/demo/` (configuration `demoPackageDirectory`): the page itself, built into
//! the binary from server/demo/, and beside it the npm package's browser build (`cargo xtask wasm-build`
//! writes it to bindings-wasm/pkg/web/), read once at startup so no request ever touches the disk.
//!
//! The page calls this server's own API with a token the issuer types in; a strict Content Security
//! Policy keeps it to this origin, its own scripts and the package's WebAssembly.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path as UrlPath;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::config::ConfigError;

/// Where the page lives.
pub const PAGE_PATH: &str = "/demo/";
/// The page's own files: name, media type, content.
const PAGE_FILES: [(&str, &str, &str); 3] = [
    ("index.html", "text/html; charset=utf-8", include_str!("../demo/index.html")),
    ("live.js", "text/javascript; charset=utf-8", include_str!("../demo/live.js")),
    ("live.css", "text/css; charset=utf-8", include_str!("../demo/live.css")),
];
/// The browser build's entry point, which the page imports.
const PACKAGE_ENTRY: &str = "index.js";
/// The package's JavaScript may instantiate WebAssembly (`wasm-unsafe-eval`) and nothing else is
/// loosened: no inline script or style, no other origin, no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The browser build's files, as read at startup.
#[derive(Clone)]
pub struct DemoPage {
    package: Arc<[(String, &'static str, Bytes)]>,
}

impl std::fmt::Debug for DemoPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.package.iter().map(|(name, _, bytes)| (name, bytes.len()))).finish()
    }
}

impl DemoPage {
    /// Reads the browser build's `.js` and `.wasm` files from `directory`; refuses a folder without
    /// the entry point, which is what a package not yet built looks like.
    pub fn load(directory: &Path) -> Result<DemoPage, ConfigError> {
        let unreadable =
            |e: std::io::Error| ConfigError(format!("demoPackageDirectory: cannot read {}: {e}", directory.display()));
        let mut package = Vec::new();
        for entry in std::fs::read_dir(directory).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(media_type) = package_media_type(&name) else { continue };
            if entry.file_type().map_err(unreadable)?.is_file() {
                package.push((name, media_type, Bytes::from(std::fs::read(entry.path()).map_err(unreadable)?)));
            }
        }
        if !package.iter().any(|(name, _, _)| name == PACKAGE_ENTRY) {
            return Err(ConfigError(format!(
                "demoPackageDirectory: {} has no {PACKAGE_ENTRY}: give the npm package's browser build \
                 (bindings-wasm/pkg/web after `cargo xtask wasm-build`)",
                directory.display()
            )));
        }
        Ok(DemoPage { package: package.into() })
    }

    /// `/demo` (redirected), the page's files under `/demo/`, the package's under `/demo/credoffer/`.
    pub fn routes<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let package = Arc::clone(&self.package);
        let mut router = Router::new()
            .route("/demo", get(|| async { Redirect::permanent(PAGE_PATH) }))
            .route(PAGE_PATH, get(|| async { page_file("index.html") }))
            .route(
                "/demo/credoffer/{file}",
                get(move |UrlPath(file): UrlPath<String>| async move {
                    match package.iter().find(|(name, _, _)| *name == file) {
                        Some((_, media_type, bytes)) => static_response(media_type, bytes.clone()),
                        None => StatusCode::NOT_FOUND.into_response(),
                    }
                }),
            );
        for (name, _, _) in PAGE_FILES {
            router = router.route(&format!("{PAGE_PATH}{name}"), get(move || async move { page_file(name) }));
        }
        router
    }
}

/// The media type of a browser build file this page serves, or `None` for any other file.
fn package_media_type(name: &str) -> Option<&'static str> {
    match name.rsplit_once('.')?.1 {
        "js" => Some("text/javascript; charset=utf-8"),
        "wasm" => Some("application/wasm"),
        _ => None,
    }
}

fn page_file(name: &str) -> Response {
    match PAGE_FILES.iter().find(|(file, _, _)| *file == name) {
        Some((_, media_type, text)) => static_response(media_type, Bytes::from_static(text.as_bytes())),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn static_response(media_type: &'static str, body: Bytes) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // Revalidated each time: a rebuilt package or server is picked up by a reload.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_browser_builds_scripts_and_webassembly_are_served() {
        assert_eq!(package_media_type("index.js"), Some("text/javascript; charset=utf-8"));
        assert_eq!(package_media_type("credoffer_wasm_bg.wasm"), Some("application/wasm"));
        for name in ["package.json", "README.md", ".env", "wasm", "index.js.map"] {
            assert_eq!(package_media_type(name), None, "{name}");
        }
    }

    #[test]
    fn a_folder_without_the_browser_build_is_refused_by_name() {
        let missing = Path::new(env!("CARGO_MANIFEST_DIR")).join("no-such-folder");
        let error = DemoPage::load(&missing).unwrap_err();
        assert!(error.0.starts_with(&format!("demoPackageDirectory: cannot read {}", missing.display())), "{error}");
        // The crate's own folder exists but holds no browser build.
        let error = DemoPage::load(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap_err();
        assert!(error.0.contains("has no index.js"), "{error}");
    }
}
