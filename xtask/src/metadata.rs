//! Versions the xtask needs, from `cargo metadata` (never from Cargo.toml or Cargo.lock as text).

use std::sync::OnceLock;

use serde::Deserialize;

use crate::util::{self, Result};

/// The crate whose version every published package shares (`version.workspace = true`).
const ENGINE_PACKAGE: &str = "credoffer";

/// The part of `cargo metadata --format-version 1` the xtask reads.
#[derive(Debug, Deserialize)]
pub struct Metadata {
    packages: Vec<Package>,
    workspace_members: Vec<String>,
}

/// One package; the members past `manifest_path` are what crates.io shows, read by the release check (an
/// absent `Option` is `None`).
#[derive(Debug, Deserialize)]
pub struct Package {
    id: String,
    pub name: String,
    version: String,
    pub manifest_path: std::path::PathBuf,
    pub description: Option<String>,
    pub license: Option<String>,
    pub repository: Option<String>,
    pub documentation: Option<String>,
    pub readme: Option<String>,
    pub rust_version: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    /// The registries it may be published to: `None` is any, empty is `publish = false`.
    pub publish: Option<Vec<String>>,
}

impl Metadata {
    /// The workspace's metadata, read once per run. `--locked`: the versions are those of the
    /// committed Cargo.lock, or the command fails.
    pub fn get() -> Result<&'static Metadata> {
        static METADATA: OnceLock<Metadata> = OnceLock::new();
        if let Some(metadata) = METADATA.get() {
            return Ok(metadata);
        }
        let text = util::output(&util::cargo_program(), &["metadata", "--format-version", "1", "--locked"])?;
        let metadata = Metadata::from_json(&text)?;
        Ok(METADATA.get_or_init(|| metadata))
    }

    fn from_json(text: &str) -> Result<Metadata> {
        serde_json::from_str(text).map_err(|e| format!("cannot read `cargo metadata` output: {e}").into())
    }

    /// The workspace version: the engine's, which every published crate inherits.
    pub fn workspace_version(&self) -> Result<&str> {
        self.packages
            .iter()
            .find(|package| package.name == ENGINE_PACKAGE && self.workspace_members.contains(&package.id))
            .map(|package| package.version.as_str())
            .ok_or_else(|| format!("`cargo metadata` lists no workspace member {ENGINE_PACKAGE}").into())
    }

    /// The workspace's own packages.
    pub fn workspace_packages(&self) -> impl Iterator<Item = &Package> {
        self.packages.iter().filter(|package| self.workspace_members.contains(&package.id))
    }

    /// The one version of the dependency `name` that Cargo.lock holds; two versions are an error, since a
    /// tool pinned to it could match only one.
    pub fn locked_version(&self, name: &str) -> Result<&str> {
        let mut versions = self.packages.iter().filter(|package| package.name == name).map(|p| p.version.as_str());
        match (versions.next(), versions.next()) {
            (Some(version), None) => Ok(version),
            (None, _) => Err(format!("Cargo.lock has no package {name}").into()),
            (Some(first), Some(second)) => {
                Err(format!("Cargo.lock holds {name} in more than one version ({first}, {second}, …)").into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trimmed from real `cargo metadata --format-version 1` output: unknown members are ignored.
    const SAMPLE: &str = r#"{
      "packages": [
        {"name": "credoffer", "version": "0.3.1", "id": "path+file:///w/core#credoffer@0.3.1", "source": null,
         "manifest_path": "/w/core/Cargo.toml", "publish": null, "keywords": ["openid4vci"],
         "dependencies": []},
        {"name": "credoffer", "version": "0.2.0", "id": "registry+https://github.com/rust-lang/crates.io-index#credoffer@0.2.0", "manifest_path": "/r/credoffer-0.2.0/Cargo.toml",
         "source": "registry+https://github.com/rust-lang/crates.io-index"},
        {"name": "wasm-bindgen", "version": "0.2.130", "id": "registry+https://github.com/rust-lang/crates.io-index#wasm-bindgen@0.2.130", "manifest_path": "/r/wb/Cargo.toml"},
        {"name": "syn", "version": "1.0.109", "id": "registry+https://github.com/rust-lang/crates.io-index#syn@1.0.109", "manifest_path": "/r/syn1/Cargo.toml"},
        {"name": "syn", "version": "2.0.100", "id": "registry+https://github.com/rust-lang/crates.io-index#syn@2.0.100", "manifest_path": "/r/syn2/Cargo.toml"}
      ],
      "workspace_members": ["path+file:///w/core#credoffer@0.3.1", "path+file:///w/xtask#0.0.0"],
      "resolve": null,
      "version": 1
    }"#;

    #[test]
    fn the_workspace_version_is_the_member_engines() {
        let metadata = Metadata::from_json(SAMPLE).unwrap();
        assert_eq!(metadata.workspace_version().unwrap(), "0.3.1");
    }

    #[test]
    fn the_workspace_packages_are_the_members_with_their_crates_io_fields() {
        let metadata = Metadata::from_json(SAMPLE).unwrap();
        let members: Vec<&Package> = metadata.workspace_packages().collect();
        assert_eq!(members.len(), 1);
        assert_eq!(
            (members[0].name.as_str(), members[0].keywords.as_slice()),
            ("credoffer", &["openid4vci".to_owned()][..])
        );
        assert_eq!((members[0].publish.as_ref(), members[0].description.as_ref()), (None, None));
    }

    #[test]
    fn a_locked_version_must_be_the_only_one() {
        let metadata = Metadata::from_json(SAMPLE).unwrap();
        assert_eq!(metadata.locked_version("wasm-bindgen").unwrap(), "0.2.130");
        assert!(metadata.locked_version("syn").unwrap_err().to_string().contains("more than one version"));
        assert!(metadata.locked_version("uniffi").unwrap_err().to_string().contains("no package uniffi"));
    }

    #[test]
    fn output_without_the_members_read_is_refused() {
        let error = Metadata::from_json(r#"{"packages": []}"#).unwrap_err().to_string();
        assert!(error.contains("workspace_members"), "{error}");
    }

    /// The workspace itself: a release version to stamp the C and npm packages with, and the crates the
    /// wasm-bindgen CLI and uniffi-bindgen are matched to, each held in exactly one version.
    #[test]
    fn this_workspace_has_a_version_and_one_version_of_each_pinned_crate() {
        let metadata = Metadata::get().unwrap();
        let version = metadata.workspace_version().unwrap();
        assert_eq!(version.split('.').filter(|part| part.parse::<u64>().is_ok()).count(), 3, "{version}");
        for pinned in ["wasm-bindgen", "uniffi"] {
            assert!(metadata.locked_version(pinned).is_ok(), "{pinned}");
        }
    }
}
