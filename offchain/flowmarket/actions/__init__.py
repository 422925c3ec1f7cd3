"""What a participant or token holder does on chain, for every front end.

Each action is first a `Plan` (plan.py): the facts it rests on (amounts in tokens), the
transactions it will send and their gas estimates, checked against the chain so that a
refusal (insufficient balance, a blocked withdrawal, a closed vote) is one sentence
before anything is signed. The CLI prints a plan, asks, and sends it with the keystore
wallet (`Plan.send`); the web pages hand its transactions to the browser's wallet; the
demo sends the same plans. Leaves and proofs come from the API (`proofs.ProofSource`)
and are checked against the roots on chain before use.

Modules: actor (who acts on which market), plan, proofs, collateral, settlement,
revenue, changes (typed governance changes), governance (proposals and votes).
"""
