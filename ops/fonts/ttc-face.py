#!/usr/bin/env python3
"""Writes one face of a TrueType collection (.ttc) as a standalone .ttf, its tables byte for byte.

PDFsharp's font resolver takes a single font file, not a collection. Only the table directory is
rewritten (offsets, and the head table's checkSumAdjustment, which covers the whole file).

    ops/fonts/ttc-face.py wqy-microhei.ttc WenQuanYiMicroHei.ttf 0
"""
import struct
import sys


def checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def main(source: str, target: str, face: int) -> None:
    data = open(source, "rb").read()
    if data[:4] != b"ttcf":
        sys.exit(f"{source} is not a TrueType collection")
    count = struct.unpack(">I", data[8:12])[0]
    base = struct.unpack(f">{count}I", data[12:12 + 4 * count])[face]
    version, tables = struct.unpack(">IH", data[base:base + 6])
    entries = sorted(struct.unpack(">4sIII", data[base + 12 + 16 * i:base + 28 + 16 * i]) for i in range(tables))

    search = 1 << (tables.bit_length() - 1)
    header = struct.pack(">IHHHH", version, tables, search * 16, search.bit_length() - 1, tables * 16 - search * 16)
    directory, body = b"", b""
    start = 12 + 16 * tables
    for tag, table_checksum, offset, length in entries:
        directory += struct.pack(">4sIII", tag, table_checksum, start + len(body), length)
        body += data[offset:offset + length] + b"\0" * (-length % 4)

    font = bytearray(header + directory + body)
    for i in range(tables):
        tag, _, offset, _ = struct.unpack(">4sIII", font[12 + 16 * i:28 + 16 * i])
        if tag == b"head":
            font[offset + 8:offset + 12] = b"\0\0\0\0"
            font[offset + 8:offset + 12] = struct.pack(">I", (0xB1B0AFBA - checksum(bytes(font))) & 0xFFFFFFFF)
    open(target, "wb").write(font)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
