// A Wallet Standard wallet for the browser tests: what Phantom or Solflare expose to a page,
// minus the popup. It registers through the standard's handshake (both orders: it answers
// `wallet-standard:app-ready` and dispatches `wallet-standard:register-wallet`), connects,
// emits `change`, and signs with WebCrypto's Ed25519 — so the transaction bytes the app
// built are signed exactly as a real wallet signs them, and the app never sees the key.
//
// Installed by the test (`Wallet::install` in src/lib.rs) as
//   window.__gtxTestWallet = { seed: [32 bytes], address: "base58", rpc: "http://…" }
// before this file runs. The test steers the "user" through window.__gtxTestWallet.control:
//   rejectNext  — the next signing request is refused as a user would refuse it;
//   holdNext    — the next transaction signing request waits, as a popup left open,
//                 until release() (`held` is true meanwhile);
//   release()   — answers the held request: it signs, as a slow wallet might even after
//                 it disconnected;
//   requests    — every signing request seen, for assertions;
//   signatures  — the (base58) signature of every transaction it signed;
//   disconnect()— the wallet disconnects on its own (emits change with no accounts).
(() => {
  const config = window.__gtxTestWallet;
  if (!config || config.installed) return;
  config.installed = true;

  const CHAINS = ["solana:localnet", "solana:devnet", "solana:testnet", "solana:mainnet"];
  const FEATURES = ["solana:signTransaction", "solana:signAndSendTransaction", "solana:signMessage"];
  const control = { rejectNext: false, holdNext: false, held: false, requests: [], signatures: [], disconnect: null, release: null };
  let releaseHeld = null;
  config.control = control;

  const publicKey = new Uint8Array(config.publicKey);
  const account = Object.freeze({
    address: config.address,
    publicKey,
    chains: CHAINS,
    features: FEATURES,
    label: "Test account",
  });

  // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): a fixed 16-byte prefix.
  const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
  const keyPromise = crypto.subtle.importKey(
    "pkcs8",
    new Uint8Array([...PKCS8_PREFIX, ...config.seed]),
    { name: "Ed25519" },
    false,
    ["sign"],
  );
  const sign = async (bytes) => new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, await keyPromise, bytes));

  const listeners = { change: new Set() };
  let accounts = [];
  const emit = (properties) => listeners.change.forEach((l) => l(properties));

  function refuseIfAsked(kind) {
    control.requests.push(kind);
    if (control.rejectNext) {
      control.rejectNext = false;
      const error = new Error("User rejected the request.");
      error.code = 4001;
      throw error;
    }
    if (accounts.length === 0) throw new Error("The wallet is not connected.");
  }

  // compact-u16 (shortvec) as Solana's wire format encodes lengths.
  function shortvec(bytes, at) {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const b = bytes[at + i];
      value |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return [value, at + i + 1];
    }
    throw new Error("malformed length in the transaction");
  }

  // Signs a wire-format (legacy or v0) transaction in the signature slot of our key.
  async function signWire(wire) {
    const tx = new Uint8Array(wire);
    const [signatures, sigStart] = shortvec(tx, 0);
    const messageStart = sigStart + 64 * signatures;
    const message = tx.subarray(messageStart);
    const header = message[0] & 0x80 ? 1 : 0; // v0 messages start with the version byte
    const required = message[header];
    const [keys, keysStart] = shortvec(message, header + 3);
    for (let i = 0; i < Math.min(required, keys); i++) {
      const key = message.subarray(keysStart + 32 * i, keysStart + 32 * (i + 1));
      if (key.every((b, j) => b === publicKey[j])) {
        const out = new Uint8Array(tx);
        out.set(await sign(message), sigStart + 64 * i);
        return out;
      }
    }
    throw new Error("This transaction does not ask the connected account to sign.");
  }

  const base58 = (bytes) => {
    const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let n = 0n;
    for (const b of bytes) n = n * 256n + BigInt(b);
    let s = "";
    while (n > 0n) {
      s = alphabet[Number(n % 58n)] + s;
      n /= 58n;
    }
    for (const b of bytes) {
      if (b !== 0) break;
      s = "1" + s;
    }
    return s;
  };
  const base64 = (bytes) => btoa(String.fromCharCode(...bytes));

  const wallet = {
    version: "1.0.0",
    name: "GridTokenX Test Wallet",
    icon: "data:image/svg+xml;base64," + btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8" fill="#2a7"/></svg>'),
    chains: CHAINS,
    get accounts() {
      return accounts.slice();
    },
    features: {
      "standard:connect": {
        version: "1.0.0",
        connect: async () => {
          control.requests.push("connect");
          if (control.rejectNext) {
            control.rejectNext = false;
            throw new Error("User rejected the request.");
          }
          accounts = [account];
          emit({ accounts: wallet.accounts });
          return { accounts: wallet.accounts };
        },
      },
      "standard:disconnect": {
        version: "1.0.0",
        disconnect: async () => {
          accounts = [];
          emit({ accounts: [] });
        },
      },
      "standard:events": {
        version: "1.0.0",
        on: (event, listener) => {
          listeners[event]?.add(listener);
          return () => listeners[event]?.delete(listener);
        },
      },
      "solana:signTransaction": {
        version: "1.0.0",
        supportedTransactionVersions: ["legacy", 0],
        signTransaction: async (...inputs) => {
          refuseIfAsked("signTransaction");
          if (control.holdNext) {
            control.holdNext = false;
            control.held = true;
            await new Promise((resolve) => (releaseHeld = resolve));
          }
          const out = await Promise.all(inputs.map(async (i) => ({ signedTransaction: await signWire(i.transaction) })));
          for (const { signedTransaction } of out) {
            const [, at] = shortvec(signedTransaction, 0);
            control.signatures.push(base58(signedTransaction.subarray(at, at + 64)));
          }
          return out;
        },
      },
      "solana:signAndSendTransaction": {
        version: "1.0.0",
        supportedTransactionVersions: ["legacy", 0],
        signAndSendTransaction: async (...inputs) => {
          refuseIfAsked("signAndSendTransaction");
          const out = [];
          for (const i of inputs) {
            const signed = await signWire(i.transaction);
            const reply = await fetch(config.rpc, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "sendTransaction", params: [base64(signed), { encoding: "base64" }] }),
            }).then((r) => r.json());
            if (reply.error) throw new Error(reply.error.message);
            const [sigs, at] = shortvec(signed, 0);
            if (sigs < 1 || base58(signed.subarray(at, at + 64)) !== reply.result) throw new Error("the node returned another signature");
            out.push({ signature: signed.slice(at, at + 64) });
          }
          return out;
        },
      },
      "solana:signMessage": {
        version: "1.0.0",
        signMessage: async (...inputs) => {
          refuseIfAsked("signMessage");
          return Promise.all(inputs.map(async (i) => ({ signedMessage: i.message, signature: await sign(i.message) })));
        },
      },
    },
  };

  control.release = () => {
    control.held = false;
    if (releaseHeld) releaseHeld();
    releaseHeld = null;
  };

  control.disconnect = () => {
    accounts = [];
    emit({ accounts: [] });
  };

  // The Wallet Standard handshake, both orders: an app already listening gets the event;
  // an app that loads later announces itself with app-ready.
  const callback = ({ register }) => register(wallet);
  window.addEventListener("wallet-standard:app-ready", ({ detail: api }) => callback(api));
  window.dispatchEvent(
    new (class RegisterWalletEvent extends Event {
      constructor() {
        super("wallet-standard:register-wallet", { bubbles: false, cancelable: false, composed: false });
      }
      get detail() {
        return callback;
      }
    })(),
  );
})();
