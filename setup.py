"""Two source roots, one distribution: plugin/ holds netbox_hedgehog, scheduler/ holds hedgehog_scheduler."""
from setuptools import find_packages, setup

ROOTS = {"plugin": "netbox_hedgehog", "scheduler": "hedgehog_scheduler"}

packages = []
package_dir = {}
for root, top in ROOTS.items():
    for package in find_packages(root):
        if package == top or package.startswith(top + "."):
            packages.append(package)
            package_dir[package] = f"{root}/" + package.replace(".", "/")

setup(packages=packages, package_dir=package_dir)
