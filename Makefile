# Thin wrapper over CMake presets for the README's commands.
PRESET ?= debug
BUILD  := build/$(PRESET)
JOBS   ?= 2

.PHONY: all deps build test demo asan tsan tsan-web fuzz fuzz-long format format-check clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)

test: build
	ctest --preset $(PRESET) -j $(JOBS)

demo: build
	scripts/demo $(BUILD)/mamori

asan:
	@$(MAKE) --no-print-directory test PRESET=asan

# ThreadSanitizer over the threaded code's tests (feed import, web server, batch matching).
tsan:
	@$(MAKE) --no-print-directory test PRESET=tsan

# The server under ThreadSanitizer only (CI): the binary and test_web, then the web tests and
# the server under wrk load (tests/integration/web_load.sh).
tsan-web:
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j $(JOBS) --target mamori test_web
	ctest --preset tsan-web -j $(JOBS)

fuzz: deps
	cmake --preset fuzz >/dev/null && cmake --build --preset fuzz -j $(JOBS)

# Each fuzz target for 1,000,000 inputs (label fuzz-long; FUZZ=name for one target).
fuzz-long: fuzz
	ctest --preset fuzz-long $(if $(FUZZ),-R 'fuzz-long/$(FUZZ)$$')

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build
