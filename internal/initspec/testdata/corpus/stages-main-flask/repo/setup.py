from setuptools import find_packages, setup

setup(name="mlproject", version="0.0.1", package_dir={"": "src"}, packages=find_packages(where="src"))
