//! The layering of `ARCHITECTURE.md`, checked on the source: what each top-level module
//! may import, which crates each layer may use, where transactions and audit events may
//! be written, and that token states are spelled only where they are stored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each top-level module of `src/` may import from the crate (besides itself).
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("clock", &[]),
    ("metrics", &[]),
    ("assets", &[]),
    ("config", &["domain"]),
    ("db", &["domain"]),
    ("app", &["domain", "db", "config", "clock", "metrics"]),
    ("web", &["app", "domain", "config", "assets"]),
    ("routes", &["web", "app", "domain", "config", "assets"]),
    ("api", &["web", "app", "domain", "config", "telemetry"]),
    ("telemetry", &["app"]),
    ("cli", &["app", "config", "db", "domain", "startup", "telemetry", "clock"]),
    ("startup", &["api", "app", "assets", "clock", "config", "db", "domain", "routes", "telemetry", "web"]),
];

/// Every `.rs` file of a top-level module (`src/x.rs` or `src/x/**`), with its code lines
/// (comments dropped: a doc link is not an import).
fn sources(module: &str) -> Vec<(PathBuf, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let single = root.join(format!("{module}.rs"));
    if single.exists() {
        files.push(single);
    }
    let mut dirs = vec![root.join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read source");
            let code =
                text.lines().filter(|line| !line.trim_start().starts_with("//")).map(str::to_owned).collect();
            (path, code)
        })
        .collect()
}

fn modules() -> Vec<&'static str> {
    ALLOWED.iter().map(|(module, _)| *module).collect()
}

/// The crate modules a module's code names (`crate::x`).
fn imports(module: &str) -> BTreeMap<String, Vec<String>> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, lines) in sources(module) {
        for line in lines {
            let mut rest = line.as_str();
            while let Some(start) = rest.find("crate::") {
                rest = &rest[start + "crate::".len()..];
                let name: String =
                    rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if name != module && !name.is_empty() {
                    found.entry(name).or_default().push(path.display().to_string());
                }
            }
        }
    }
    found
}

#[test]
fn every_top_level_module_is_in_the_layering() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known = modules();
    for entry in std::fs::read_dir(root).expect("src") {
        let path = entry.expect("entry").path();
        let name = path.file_stem().and_then(|stem| stem.to_str()).expect("name").to_owned();
        if ["lib", "main"].contains(&name.as_str()) {
            continue;
        }
        assert!(known.contains(&name.as_str()), "src/{name} is not in ARCHITECTURE.md's layering");
    }
}

#[test]
fn modules_import_only_the_layers_below_them() {
    let mut violations = Vec::new();
    for (module, allowed) in ALLOWED {
        for (import, files) in imports(module) {
            if !allowed.contains(&import.as_str()) {
                violations.push(format!("{module} imports {import} in {}", files[0]));
            }
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn there_is_no_import_cycle_between_top_level_modules() {
    let graph: BTreeMap<&str, BTreeSet<String>> =
        modules().into_iter().map(|module| (module, imports(module).into_keys().collect())).collect();
    // Depth-first search for a back edge.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<&'a str, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(position) = path.iter().position(|seen| *seen == node) {
            return Some(
                path[position..].iter().map(|name| (*name).to_owned()).chain([node.to_owned()]).collect(),
            );
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some((name, _)) = graph.get_key_value(next.as_str())
                && let Some(cycle) = visit(name, graph, path, done)
            {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    for module in graph.keys() {
        let mut done = BTreeSet::new();
        if let Some(cycle) = visit(module, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" → "));
        }
    }
}

/// Lines of `modules` whose code uses any of `needles`.
fn uses(modules: &[&str], needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for module in modules {
        for (path, lines) in sources(module) {
            for line in lines {
                if needles.iter().any(|needle| line.contains(needle)) {
                    found.push(format!("{}: {}", path.display(), line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn each_layer_uses_only_its_own_crates() {
    let web_crates = ["actix", "askama"];
    assert_eq!(uses(&["domain"], &["actix", "askama", "diesel"]), Vec::<String>::new(), "the domain is pure");
    assert_eq!(uses(&["db", "app"], &web_crates), Vec::<String>::new(), "db and app know nothing of HTTP");
    assert_eq!(
        uses(&["routes", "api", "web"], &["diesel"]),
        Vec::<String>::new(),
        "no SQL in the HTTP layers"
    );
}

#[test]
fn only_use_cases_write_transactions_and_audit_events() {
    assert_eq!(
        uses(&["routes", "api", "web"], &["audit::record", "transaction(", ".write(move"]),
        Vec::<String>::new()
    );
}

#[test]
fn token_states_are_spelled_only_where_they_are_stored() {
    let mut found = Vec::new();
    for module in modules().into_iter().filter(|module| *module != "db") {
        for (path, lines) in sources(module) {
            for line in lines {
                for state in ["\"current\"", "\"expiring\"", "\"revoked\""] {
                    if line.contains(state) {
                        found.push(format!("{}: {}", path.display(), line.trim()));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
