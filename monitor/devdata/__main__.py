"""`python -m monitor.devdata --n 2500 --seed 2024 --out data/demo/posts.jsonl`: write a synthetic stream."""

from monitor.devdata.stream import main

raise SystemExit(main())
