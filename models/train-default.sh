#!/usr/bin/env bash
# Rebuild the shipped default classifier (models/default/) from the project's own seed corpus.
# Deterministic for a given data/seed/posts.jsonl, data/known_hoaxes.jsonl and config/keywords.yml.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf models/default
exec .venv/bin/monitor train --out models/default --version default-2024.1 --no-register "$@"
