"""`python -m bench.peers [peer ...]`: build the peers' pinned environments."""

import sys

from bench.peers import PEERS, ensure_peer_venv

for peer in sys.argv[1:] or PEERS:
    print(peer, ensure_peer_venv(peer))
