# The two entry points (see README.md). Everything else is reachable from scripts/.
.PHONY: demo test clean-cache sbf app

demo:
	@scripts/demo.sh

test:
	@scripts/test.sh

clean-cache:
	@scripts/clean-cache.sh

# The SBF route alone (tools/sbf/README.md); `make test` includes it.
sbf:
	@tools/sbf/test.sh

# The browser app alone: app/dist (scripts/app-build.sh); `make test` and `make demo` build it.
app:
	@scripts/app-build.sh
