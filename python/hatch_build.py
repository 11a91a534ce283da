"""Copy the course site's assets (www/ built by scripts/build.sh) into the package before the wheel is made."""
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version, build_data):
        if self.target_name != "wheel":
            return
        subprocess.run(["node", str(Path(self.root) / "build.mjs")], check=True)
