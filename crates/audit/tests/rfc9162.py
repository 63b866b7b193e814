#!/usr/bin/env python3
"""An independent implementation of RFC 9162 section 2.1, for the audit log's tests.

Written from the RFC's recursive definitions (MTH in 2.1.1, PATH in 2.1.3.1, PROOF and
SUBPROOF in 2.1.4.1), not from Rampart's code, so the two can check each other. Standard
library only.

Reads one JSON request on stdin:

    {"leaves": ["<hex leaf data>", ...],
     "roots": [n, ...],
     "inclusion": [[m, n], ...],
     "consistency": [[m, n], ...]}

and prints one JSON answer on stdout, hashes as hex, in the order asked:

    {"roots": ["<MTH(D[n])>", ...],
     "inclusion": [["<PATH(m, D[n])[0]>", ...], ...],
     "consistency": [["<PROOF(m, D[n])[0]>", ...], ...]}

A tree is named by the half-open range [start, end) of the leaves it holds, so that D[k:n]
of the RFC is (start + k, start + n) here.
"""

import hashlib
import json
import sys


def sha256(data):
    return hashlib.sha256(data).digest()


def largest_power_of_two_smaller_than(n):
    """k of the RFC: the largest power of two smaller than n, for n > 1."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class Tree:
    def __init__(self, leaves):
        self.leaves = leaves
        self.memo = {}

    def mth(self, start, end):
        """MTH(D[start:end]), RFC 9162 section 2.1.1."""
        key = (start, end)
        if key in self.memo:
            return self.memo[key]
        n = end - start
        if n == 0:
            result = sha256(b"")
        elif n == 1:
            result = sha256(b"\x00" + self.leaves[start])
        else:
            k = largest_power_of_two_smaller_than(n)
            result = sha256(b"\x01" + self.mth(start, start + k) + self.mth(start + k, end))
        self.memo[key] = result
        return result

    def path(self, m, start, end):
        """PATH(m, D[start:end]), RFC 9162 section 2.1.3.1; m counts from start."""
        n = end - start
        if n == 1:
            return []
        k = largest_power_of_two_smaller_than(n)
        if m < k:
            return self.path(m, start, start + k) + [self.mth(start + k, end)]
        return self.path(m - k, start + k, end) + [self.mth(start, start + k)]

    def proof(self, m, n):
        """PROOF(m, D[n]) = SUBPROOF(m, D[n], true), RFC 9162 section 2.1.4.1."""
        return self.subproof(m, 0, n, True)

    def subproof(self, m, start, end, b):
        n = end - start
        if m == n:
            return [] if b else [self.mth(start, end)]
        k = largest_power_of_two_smaller_than(n)
        if m <= k:
            return self.subproof(m, start, start + k, b) + [self.mth(start + k, end)]
        return self.subproof(m - k, start + k, end, False) + [self.mth(start, start + k)]


def hexes(hashes):
    return [h.hex() for h in hashes]


def main():
    request = json.load(sys.stdin)
    tree = Tree([bytes.fromhex(leaf) for leaf in request["leaves"]])
    count = len(tree.leaves)
    for m, n in request.get("inclusion", []):
        if not 0 <= m < n <= count:
            sys.exit(f"no inclusion proof of leaf {m} in a tree of {n} (of {count} leaves)")
    for m, n in request.get("consistency", []):
        if not 0 < m <= n <= count:
            sys.exit(f"no consistency proof from {m} to {n} (of {count} leaves)")
    answer = {
        "roots": [tree.mth(0, n).hex() for n in request.get("roots", [])],
        "inclusion": [hexes(tree.path(m, 0, n)) for m, n in request.get("inclusion", [])],
        "consistency": [hexes(tree.proof(m, n)) for m, n in request.get("consistency", [])],
    }
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
