"""Run dlt 1.31.0's built-in ``rest_api`` source against a Jira emulator's ``search/jql`` (its own venv).

    python dlt_jira.py --base-url http://127.0.0.1:8101 --email E --token T --workdir DIR [--step extract|run]

``extract`` only extracts (dlt writes the pages to its load package on disk); ``run`` extracts, normalises
and loads into a duckdb file under ``--workdir``. Issues come from ``GET /rest/api/3/search/jql`` with every
field and the changelog, 100 per page, paged by ``nextPageToken`` (dlt's cursor paginator). Prints one JSON
line with the number of issue rows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--step", choices=("extract", "run"), default="run")
    args = parser.parse_args()
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("DLT_DATA_DIR", str(Path(args.workdir) / "dlt-data"))

    import dlt
    from dlt.sources.rest_api import rest_api_source

    source = rest_api_source(
        {
            "client": {
                "base_url": args.base_url.rstrip("/") + "/rest/api/3/",
                "auth": {"type": "http_basic", "username": args.email, "password": args.token},
            },
            "resources": [
                {
                    "name": "issues",
                    "primary_key": "id",
                    "write_disposition": "replace",
                    "endpoint": {
                        "path": "search/jql",
                        "params": {
                            "jql": "created >= '2000-01-01' order by created DESC",
                            "fields": "*all",
                            "expand": "changelog",
                            "maxResults": 100,
                        },
                        "data_selector": "issues",
                        "paginator": {
                            "type": "cursor",
                            "cursor_path": "nextPageToken",
                            "cursor_param": "nextPageToken",
                        },
                    },
                }
            ],
        }
    )
    pipeline = dlt.pipeline(
        pipeline_name="jira_bench",
        destination=dlt.destinations.duckdb(str(Path(args.workdir) / "peer.duckdb")),
        dataset_name="jira",
        pipelines_dir=str(Path(args.workdir) / "pipelines"),
    )
    if args.step == "extract":
        info = pipeline.extract(source)
        rows = sum(info.metrics[info.loads_ids[-1]][0]["table_metrics"][t].items_count for t in ["issues"])
    else:
        pipeline.run(source)
        with pipeline.sql_client() as client:
            rows = int(client.execute_sql("SELECT count(*) FROM issues")[0][0])
    print(json.dumps({"issues": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
