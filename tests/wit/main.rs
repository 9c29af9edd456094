//! Each built component imports only what its WIT world in `wit/` allows. Build
//! the components first (`cargo build --target wasm32-wasip2 --release`); the
//! test fails when one is missing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Interfaces a component imports, as named in its component-level import section.
fn component_imports(path: &Path) -> BTreeSet<String> {
    let bytes = std::fs::read(path).unwrap_or_else(|err| {
        panic!(
            "read {}: {err}; build it with `cargo build --target wasm32-wasip2 --release`",
            path.display()
        )
    });
    let mut imports = BTreeSet::new();
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        match payload.expect("a valid component") {
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    imports.insert(import.expect("a valid import").name.0.to_owned());
                }
            }
            _ => {}
        }
    }
    imports
}

/// The `import` lines of one world in a WIT file (interface names, with versions).
fn world_imports(wit: &str, world: &str) -> BTreeSet<String> {
    let start = wit
        .find(&format!("world {world} {{"))
        .unwrap_or_else(|| panic!("no world {world} in wit/"));
    let body = &wit[start..];
    let end = body.find('}').expect("a closed world");
    body[..end]
        .lines()
        .filter_map(|line| line.trim().strip_prefix("import "))
        .map(|name| name.trim_end_matches(';').trim().to_owned())
        .collect()
}

/// The world each component is built against, from `[package.metadata.dms]`.
fn component_world(crate_dir: &Path) -> String {
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap()).unwrap();
    manifest["package"]["metadata"]["dms"]["world"]
        .as_str()
        .unwrap_or_else(|| {
            panic!(
                "{} names no [package.metadata.dms] world",
                crate_dir.display()
            )
        })
        .to_owned()
}

fn spin_components() -> Vec<(String, PathBuf)> {
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(root().join("spin.toml")).unwrap()).unwrap();
    manifest["component"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(name, component)| {
            (
                name.clone(),
                root().join(component["source"].as_str().unwrap()),
            )
        })
        .collect()
}

#[test]
fn components_import_only_what_their_world_allows() {
    let wit = std::fs::read_to_string(root().join("wit/components.wit")).unwrap();
    let components = spin_components();
    assert!(components.len() >= 3, "spin.toml lists the components");
    for (name, wasm) in components {
        let world = component_world(&root().join("components").join(&name));
        let allowed = world_imports(&wit, &world);
        let imported = component_imports(&wasm);
        let extra: Vec<&String> = imported.difference(&allowed).collect();
        assert!(
            extra.is_empty(),
            "component {name} imports {extra:?}, which world {world} does not allow"
        );
        assert!(
            imported.iter().any(|import| import.starts_with("wasi:")),
            "component {name}: no imports read from {}",
            wasm.display()
        );
    }
}

#[test]
fn world_parser_reads_imports() {
    let wit = "world small {\n  import wasi:io/error@0.2.0;\n  export wasi:http/incoming-handler@0.2.0;\n}\n";

    let imports = world_imports(wit, "small");

    assert_eq!(imports, BTreeSet::from(["wasi:io/error@0.2.0".to_owned()]));
}
