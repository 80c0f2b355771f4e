# SPDX-License-Identifier: MIT
# CMake toolchain file: cross-compile etw2kusto for 64-bit Windows with Debian's
# mingw-w64 (gcc-mingw-w64-x86-64, win32 thread model, so no winpthread DLL).
# Every executable links statically (libgcc, CRT extras, zlib from
# libz-mingw-w64-dev) so etw2kusto.exe needs only the OS's own DLLs.
# Use: cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(E2K_MINGW_TRIPLE x86_64-w64-mingw32)
# Prefer the win32-thread-model compiler when Debian installed it explicitly.
find_program(E2K_MINGW_GCC NAMES ${E2K_MINGW_TRIPLE}-gcc-win32 ${E2K_MINGW_TRIPLE}-gcc REQUIRED)
set(CMAKE_C_COMPILER ${E2K_MINGW_GCC})
set(CMAKE_RC_COMPILER ${E2K_MINGW_TRIPLE}-windres)
set(CMAKE_AR ${E2K_MINGW_TRIPLE}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${E2K_MINGW_TRIPLE}-ranlib CACHE FILEPATH "")

set(CMAKE_FIND_ROOT_PATH /usr/${E2K_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Static archives only: FindZLIB would otherwise pick libz.dll.a (zlib1.dll).
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(CMAKE_FIND_LIBRARY_PREFIXES lib)
if(EXISTS /usr/${E2K_MINGW_TRIPLE}/lib/libz.a)
  set(ZLIB_LIBRARY /usr/${E2K_MINGW_TRIPLE}/lib/libz.a CACHE FILEPATH "static zlib")
  set(ZLIB_INCLUDE_DIR /usr/${E2K_MINGW_TRIPLE}/include CACHE PATH "zlib headers")
endif()

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")

# Test executables built here run under Wine when ctest is used in build-win.
find_program(E2K_WINE NAMES wine wine64)
if(E2K_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${E2K_WINE})
endif()
