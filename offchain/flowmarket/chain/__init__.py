"""Chain adapter: compiling, deploying and calling the flowmarket contracts with web3.py."""
