"""The web app: static pages (market, participant, governance) and the small JSON
endpoints they need beyond the participation API (typed data to sign, chain reads).

Pages are plain HTML/CSS and ES modules with no build step and no CDN, so they work
offline. The browser never needs a keccak or ABI library: it asks the server for the
exact EIP-712 document to sign (`eth_signTypedData_v4`) and for prepared calldata
(`eth_sendTransaction`); the wallet signs. Governance and collateral data come from
the chain through a `ChainView` that `backend` implements and the serve wiring passes
in; this package never imports `chain` or `db`.
"""

from flowmarket.web.routes import mount_web
from flowmarket.web.schemas import ChainView

__all__ = ["ChainView", "mount_web"]
