# The two entry points (see README.md). Everything else is reachable from scripts/.
.PHONY: demo test clean-cache

demo:
	@scripts/demo.sh

test:
	@scripts/test.sh

clean-cache:
	@scripts/clean-cache.sh
