"""The build compiles the message catalogs: each autograd/locale/<lang>/LC_MESSAGES/autograd.po
becomes the autograd.mo that gettext reads, so `pip install .` from a fresh clone needs no
manual step. A wheel gets the .mo files; an editable install gets them next to the .po files
(ignored by git). The compiler is autograd/i18n.py's own (standard library only), loaded by its
path so the build imports nothing else of autograd.
"""

import importlib.util
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _i18n(root: Path):
    spec = importlib.util.spec_from_file_location("_autograd_i18n", root / "autograd" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CatalogsBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        catalogs = sorted(root.glob("autograd/locale/*/LC_MESSAGES/autograd.po"))
        if not catalogs:
            return
        compile_po = _i18n(root).compile_po
        if version == "editable":
            for po in catalogs:
                po.with_suffix(".mo").write_bytes(compile_po(po))
            return
        self._compiled = tempfile.TemporaryDirectory()
        for po in catalogs:
            mo = Path(self._compiled.name, f"{po.parent.parent.name}.mo")
            mo.write_bytes(compile_po(po))
            build_data["force_include"][str(mo)] = (
                po.with_suffix(".mo").relative_to(root).as_posix()
            )

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        if getattr(self, "_compiled", None) is not None:
            self._compiled.cleanup()
