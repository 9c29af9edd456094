"""Print `-p CRATE` for every component in spin.toml, for `cargo build`."""
import pathlib
import tomllib

root = pathlib.Path(__file__).resolve().parent.parent
manifest = tomllib.loads((root / "spin.toml").read_text())
packages = []
for name in sorted(manifest["component"]):
    crate = tomllib.loads((root / "components" / name / "Cargo.toml").read_text())
    packages += ["-p", crate["package"]["name"]]
print(" ".join(packages))
