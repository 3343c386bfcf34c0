#!/bin/sh
TOKENIZERS_PARALLELISM=false APP_MODE=api uvicorn --workers=1 --host 0.0.0.0 app.main:app
