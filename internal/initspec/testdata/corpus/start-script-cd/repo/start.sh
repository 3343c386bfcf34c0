#!/bin/sh
set -e
# The app's modules import each other by name, so start from its folder.
cd app
exec uvicorn main:app --host 0.0.0.0 --port 8080 --workers 2
