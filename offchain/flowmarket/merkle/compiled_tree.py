"""The inner nodes of a large Merkle tree, hashed layer by layer by compiled code.

Node i of the StandardMerkleTree layout sits in depth layer ⌊log2(i+1)⌋ and its two
children in the next layer, so once a layer's children are known its nodes are
independent: each layer is one compiled call over its nodes (on numba's threads when
it is large). `tree.MerkleTree` calls this for trees of `tree.COMPILED_FROM` leaves or
more; the bytes equal the node-by-node build's (a test checks both).
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from flowmarket.merkle.keccak import CHUNK, PARALLEL_FROM, hash_block, serial_and_parallel

Nodes = npt.NDArray[np.uint8]


def _hash_layer_py(nodes: Nodes, first: int, last: int) -> None:
    """Inner nodes first..last (one depth layer): sorted-pair hash of their children,
    CHUNK nodes a thread at a time in one state buffer (`keccak.CHUNK`)."""
    for chunk in numba.prange((last - first + CHUNK) // CHUNK):
        state = np.empty(25, dtype=np.uint64)
        for i in range(first + chunk * CHUNK, min(last + 1, first + (chunk + 1) * CHUNK)):
            left, right = 2 * i + 1, 2 * i + 2
            for k in range(32):
                if nodes[left, k] != nodes[right, k]:
                    if nodes[left, k] > nodes[right, k]:
                        left, right = right, left
                    break
            hash_block(nodes[left], nodes[right], nodes[i], state)


_HASH_LAYER = serial_and_parallel(_hash_layer_py)


def hash_layers(nodes: Nodes, n: int) -> None:
    """Fill nodes 0..n−2 of the (2n−1, 32) array whose last n rows are the leaves."""
    inner = n - 1
    depth = int(inner).bit_length() - 1 if inner else -1
    for layer in range(depth, -1, -1):
        first = (1 << layer) - 1
        last = min((1 << (layer + 1)) - 2, inner - 1)
        _HASH_LAYER[last - first + 1 >= PARALLEL_FROM](nodes, first, last)
