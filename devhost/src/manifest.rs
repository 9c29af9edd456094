//! Reads the parts of `spin.toml` that devhost mirrors: HTTP routes, application
//! variables with their defaults, and each component's variable templates.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct RawManifest {
    #[serde(default)]
    variables: HashMap<String, RawVariable>,
    trigger: RawTriggers,
    component: HashMap<String, RawComponent>,
}

#[derive(Debug, Deserialize)]
struct RawVariable {
    default: Option<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    secret: bool,
}

#[derive(Debug, Deserialize)]
struct RawTriggers {
    http: Vec<RawRoute>,
}

#[derive(Debug, Deserialize)]
struct RawRoute {
    route: String,
    component: String,
}

#[derive(Debug, Deserialize)]
struct RawComponent {
    #[serde(default)]
    variables: HashMap<String, String>,
    #[serde(default)]
    files: Vec<RawFiles>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawFiles {
    Pattern(String),
    Mount { source: String, destination: String },
}

/// An application variable declared in `[variables]`.
#[derive(Debug, Clone)]
pub struct Variable {
    pub default: Option<String>,
    pub required: bool,
    pub secret: bool,
}

/// A directory mounted into a component by a Spin `files` entry.
#[derive(Debug, Clone)]
pub struct FileMount {
    pub source: String,
    pub destination: String,
}

/// A component's variable templates (`name = "{{ app_variable }}"`) and mounts.
#[derive(Debug, Clone, Default)]
pub struct Component {
    pub variables: HashMap<String, String>,
    pub files: Vec<FileMount>,
}

/// The manifest, reduced to what devhost needs.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub variables: HashMap<String, Variable>,
    /// `(route, component)` in manifest order.
    pub routes: Vec<(String, String)>,
    pub components: HashMap<String, Component>,
    /// The directory `files` mount sources are relative to: the manifest's own.
    pub directory: PathBuf,
}

impl Manifest {
    /// # Errors
    /// When the file cannot be read or parsed, or a route names no component.
    pub fn load(path: &Path) -> anyhow::Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("Failed to read {}", path.display()))?;
        let mut manifest = Manifest::parse(&text)
            .with_context(|| format!("Failed to parse {}", path.display()))?;
        manifest.directory = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Ok(manifest)
    }

    /// Parses a manifest whose `files` sources are relative to the current
    /// directory.
    ///
    /// # Errors
    /// When the text is not a manifest devhost understands.
    pub fn parse(text: &str) -> anyhow::Result<Manifest> {
        let raw: RawManifest = toml::from_str(text)?;
        let components: HashMap<String, Component> = raw
            .component
            .into_iter()
            .map(|(name, component)| {
                let files = component
                    .files
                    .into_iter()
                    .map(|files| match files {
                        RawFiles::Pattern(pattern) => FileMount {
                            source: pattern,
                            destination: "/".into(),
                        },
                        RawFiles::Mount {
                            source,
                            destination,
                        } => FileMount {
                            source,
                            destination,
                        },
                    })
                    .collect();
                (
                    name,
                    Component {
                        variables: component.variables,
                        files,
                    },
                )
            })
            .collect();
        let routes: Vec<(String, String)> = raw
            .trigger
            .http
            .into_iter()
            .map(|route| (route.route, route.component))
            .collect();
        for (route, component) in &routes {
            if !components.contains_key(component) {
                bail!("route {route} names the unknown component {component}");
            }
        }
        let variables = raw
            .variables
            .into_iter()
            .map(|(name, variable)| {
                (
                    name,
                    Variable {
                        default: variable.default,
                        required: variable.required,
                        secret: variable.secret,
                    },
                )
            })
            .collect();
        Ok(Manifest {
            variables,
            routes,
            components,
            directory: PathBuf::from("."),
        })
    }

    /// Resolves every application variable: an override (from the environment, in
    /// upper case, or given by a test) beats the default.
    ///
    /// # Errors
    /// When a required variable has no value, naming each one.
    pub fn resolve_variables(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<HashMap<String, String>> {
        let mut values = HashMap::new();
        let mut missing = Vec::new();
        for (name, variable) in &self.variables {
            match lookup(name).or_else(|| variable.default.clone()) {
                Some(value) => {
                    values.insert(name.clone(), value);
                }
                None if variable.required => missing.push(name.to_ascii_uppercase()),
                None => {}
            }
        }
        if !missing.is_empty() {
            missing.sort();
            bail!("set the required variables: {}", missing.join(", "));
        }
        Ok(values)
    }

    /// Returns one component's variables: its templates filled in from the
    /// application variables, as Spin does.
    pub fn component_variables(
        &self,
        component: &str,
        app: &HashMap<String, String>,
    ) -> HashMap<String, String> {
        let Some(component) = self.components.get(component) else {
            return HashMap::new();
        };
        component
            .variables
            .iter()
            .map(|(name, template)| (name.clone(), fill_template(template, app)))
            .collect()
    }
}

/// Replaces each `{{ name }}` with the application variable's value.
pub fn fill_template(template: &str, app: &HashMap<String, String>) -> String {
    let mut output = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        output.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            output.push_str(&rest[start..]);
            return output;
        };
        let name = rest[start + 2..start + end].trim();
        output.push_str(app.get(name).map(String::as_str).unwrap_or(""));
        rest = &rest[start + end + 2..];
    }
    output.push_str(rest);
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_fills_names() {
        let app = HashMap::from([("database_host".to_owned(), "127.0.0.1:5432".to_owned())]);
        assert_eq!(
            fill_template("postgres://{{ database_host }}", &app),
            "postgres://127.0.0.1:5432"
        );
        assert_eq!(fill_template("{{database_host}}", &app), "127.0.0.1:5432");
        assert_eq!(fill_template("plain", &app), "plain");
    }

    #[test]
    fn project_manifest_parses_and_routes_known_components() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spin.toml");
        let manifest = Manifest::load(&path).unwrap();
        assert!(manifest
            .routes
            .iter()
            .any(|(route, _)| route == "/api/auth/..."));
        assert!(manifest.variables.contains_key("database_url"));
        let web = &manifest.components["web"];
        assert_eq!(web.files.len(), 1);
        assert_eq!(web.files[0].source, "web/dist");
        assert_eq!(web.files[0].destination, "/");
        assert!(manifest.directory.join("web/package.json").exists());
    }
}
