#!/usr/bin/env python3
"""Mark one required symbol version (e.g. GLIBCXX_3.4.32) VER_FLG_WEAK in an ELF64 little-endian file, so the
dynamic loader accepts a library whose version is missing. Exit 0 when the entry is (or already was) weak."""
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def weaken(path: str, version: bytes) -> int:
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit(f"{path}: not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    found = 0
    for _name, kind, _flags, _addr, offset, _size, link, info, _align, _entsize in sections:
        if kind != SHT_GNU_VERNEED:
            continue
        strings = sections[link][4]
        need = offset
        for _ in range(info):
            _ver, count, _file, aux, next_need = struct.unpack_from("<HHIII", data, need)
            entry = need + aux
            for _ in range(count):
                _hash, flags, _other, name, next_aux = struct.unpack_from("<IHHII", data, entry)
                end = data.index(b"\0", strings + name)
                if bytes(data[strings + name:end]) == version:
                    struct.pack_into("<H", data, entry + 4, flags | VER_FLG_WEAK)
                    found += 1
                entry += next_aux
            need += next_need
    if found:
        open(path, "wb").write(data)
    return found


if __name__ == "__main__":
    target, wanted = sys.argv[1], sys.argv[2]
    n = weaken(target, wanted.encode())
    print(f"weaken_verneed: {n} reference(s) to {wanted} in {target}")
    sys.exit(0 if n else 1)
