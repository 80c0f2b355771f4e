# SPDX-License-Identifier: MIT
# Thin wrapper over the scripts (which wrap CMake + CTest).
.PHONY: all build test demo bench fuzz windows clean
all: build
build:
	scripts/build.sh
test:
	scripts/test.sh
demo:
	scripts/demo.sh
bench:
	scripts/bench.sh
fuzz:
	scripts/fuzz.sh
windows:
	cmake -S . -B build-win -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake -DCMAKE_BUILD_TYPE=Release >/dev/null
	ninja -C build-win etw2kusto
clean:
	rm -rf build build-test build-clang build-fuzz build-bench build-win
