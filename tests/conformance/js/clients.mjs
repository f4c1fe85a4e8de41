// The real client libraries against one chain, as apps use them: @solana/web3.js v1 (which
// validates every reply against its own schema and throws on a wrong shape) and @solana/kit
// (typed RPC, bigint numbers, subscriptions for confirmation). Prints one JSON line of what
// each library saw, without what is the chain's own (slots, hashes, signatures): run against
// localnet and against agave's validator, the two lines must be equal
// (tests/conformance/tests/clients.rs).
// Usage: RPC_URL=… WS_URL=… MINT=… HOLDER=… HOLDER_TOKENS=… node clients.mjs
import assert from 'node:assert/strict';
import * as web3 from '@solana/web3.js';
import {
  airdropFactory,
  appendTransactionMessageInstruction,
  createKeyPairSignerFromPrivateKeyBytes,
  createSolanaRpc,
  createSolanaRpcSubscriptions,
  createTransactionMessage,
  getBase64EncodedWireTransaction,
  getSignatureFromTransaction,
  lamports,
  pipe,
  sendAndConfirmTransactionFactory,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';

const { RPC_URL, WS_URL, MINT, HOLDER, HOLDER_TOKENS } = process.env;
const seen = { web3: {}, kit: {} };
const step = (name) => console.error(`ok ${name}`);

async function withWeb3() {
  const { Connection, Keypair, PublicKey, SystemProgram, Transaction, LAMPORTS_PER_SOL } = web3;
  const connection = new Connection(RPC_URL, { commitment: 'confirmed', wsEndpoint: WS_URL });
  const out = seen.web3;
  const payer = Keypair.fromSeed(new Uint8Array(32).fill(11));
  const bob = Keypair.fromSeed(new Uint8Array(32).fill(12)).publicKey;
  const mint = new PublicKey(MINT);

  out.version = (await connection.getVersion())['solana-core'];
  const airdrop = await connection.requestAirdrop(payer.publicKey, 2 * LAMPORTS_PER_SOL);
  await connection.confirmTransaction({ signature: airdrop, ...(await connection.getLatestBlockhash()) });
  out.balanceAfterAirdrop = await connection.getBalance(payer.publicKey);
  step('web3 airdrop');

  // Subscriptions first, so the transfer below notifies them.
  const logs = new Promise((resolve) => {
    const id = connection.onLogs(bob, (entry) => {
      connection.removeOnLogsListener(id);
      resolve({ err: entry.err, logs: entry.logs });
    });
  });
  const account = new Promise((resolve) => {
    const id = connection.onAccountChange(bob, (info) => {
      connection.removeAccountChangeListener(id);
      resolve({ lamports: info.lamports, owner: info.owner.toBase58(), executable: info.executable, space: info.data.length });
    });
  });
  await new Promise((r) => setTimeout(r, 1000));
  const transfer = new Transaction().add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: bob, lamports: 1_000_000 }));
  const signature = await web3.sendAndConfirmTransaction(connection, transfer, [payer], { commitment: 'confirmed' });
  out.logsNotification = await logs;
  out.accountNotification = await account;
  step('web3 transfer and notifications');

  const parsed = await connection.getParsedTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
  out.parsedTransaction = {
    instructions: parsed.transaction.message.instructions,
    accountKeys: parsed.transaction.message.accountKeys.map((k) => ({ ...k, pubkey: k.pubkey.toBase58() })),
    meta: { ...parsed.meta, computeUnitsConsumed: parsed.meta.computeUnitsConsumed },
    version: parsed.version,
  };
  out.signaturesForBob = (await connection.getSignaturesForAddress(bob, {}, 'confirmed')).map((s) => s.err);
  const block = await connection.getParsedBlock(parsed.slot, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
  out.blockHoldsTransfer = block.transactions.some((t) => t.transaction.signatures[0] === signature);
  step('web3 history');

  const mintInfo = await connection.getParsedAccountInfo(mint);
  out.mint = { data: mintInfo.value.data, owner: mintInfo.value.owner.toBase58(), lamports: mintInfo.value.lamports };
  out.tokenAccounts = (await connection.getParsedTokenAccountsByOwner(new PublicKey(HOLDER), { mint })).value.map((a) => ({
    pubkey: a.pubkey.toBase58(),
    data: a.account.data,
  }));
  out.tokenBalance = (await connection.getTokenAccountBalance(new PublicKey(HOLDER_TOKENS))).value;
  out.tokenSupply = (await connection.getTokenSupply(mint)).value;
  out.largest = (await connection.getTokenLargestAccounts(mint)).value.map((a) => ({ ...a, address: a.address.toBase58() }));
  out.rent = await connection.getMinimumBalanceForRentExemption(165);
  step('web3 tokens');

  const latest = await connection.getLatestBlockhash();
  out.blockhashValid = (await connection.isBlockhashValid(latest.blockhash)).value;
  out.blocksOfLife = latest.lastValidBlockHeight - (await connection.getBlockHeight());
  const message = new Transaction({ feePayer: payer.publicKey, ...latest })
    .add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: bob, lamports: 100 * LAMPORTS_PER_SOL }));
  out.fee = (await connection.getFeeForMessage(message.compileMessage())).value;
  const simulated = await connection.simulateTransaction(message, [payer]);
  out.simulation = { err: simulated.value.err, logs: simulated.value.logs, unitsConsumed: simulated.value.unitsConsumed };
  try {
    await web3.sendAndConfirmTransaction(connection, message, [payer]);
    out.preflight = 'accepted';
  } catch (e) {
    out.preflight = { name: e.constructor.name, message: e.message, logs: e.logs ?? (await e.getLogs?.(connection)) };
  }
  step('web3 fees, simulation and preflight');

  const epoch = await connection.getEpochInfo();
  out.epochInfoKeys = Object.keys(epoch).sort();
  const schedule = await connection.getEpochSchedule();
  out.epochOfSlot = schedule.getEpoch(epoch.absoluteSlot) === epoch.epoch;
  out.priorityFeesAllZero = (await connection.getRecentPrioritizationFees()).every((f) => f.prioritizationFee === 0);
  step('web3 cluster');
}

async function withKit() {
  const rpc = createSolanaRpc(RPC_URL);
  const rpcSubscriptions = createSolanaRpcSubscriptions(WS_URL);
  const out = seen.kit;
  const payer = await createKeyPairSignerFromPrivateKeyBytes(new Uint8Array(32).fill(21));
  const bob = (await createKeyPairSignerFromPrivateKeyBytes(new Uint8Array(32).fill(22))).address;

  await airdropFactory({ rpc, rpcSubscriptions })({
    recipientAddress: payer.address,
    lamports: lamports(2_000_000_000n),
    commitment: 'confirmed',
  });
  out.balanceAfterAirdrop = (await rpc.getBalance(payer.address, { commitment: 'confirmed' }).send()).value;
  step('kit airdrop');

  const { value: latest } = await rpc.getLatestBlockhash({ commitment: 'confirmed' }).send();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m),
    (m) => appendTransactionMessageInstruction(getTransferSolInstruction({ source: payer, destination: bob, amount: lamports(3_000_000n) }), m),
  );
  const signed = await signTransactionMessageWithSigners(message);
  await sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions })(signed, { commitment: 'confirmed' });
  const signature = getSignatureFromTransaction(signed);
  out.bobBalance = (await rpc.getBalance(bob, { commitment: 'confirmed' }).send()).value;
  step('kit send and confirm (a v0 transaction)');

  const tx = await rpc
    .getTransaction(signature, { commitment: 'confirmed', encoding: 'jsonParsed', maxSupportedTransactionVersion: 0 })
    .send();
  out.transaction = { version: tx.version, meta: tx.meta, instructions: tx.transaction.message.instructions };
  const statuses = await rpc.getSignatureStatuses([signature], { searchTransactionHistory: true }).send();
  out.statusErr = statuses.value[0].err;
  step('kit history');

  out.mint = (await rpc.getAccountInfo(MINT, { encoding: 'jsonParsed', commitment: 'confirmed' }).send()).value;
  out.tokenAccounts = (
    await rpc.getTokenAccountsByOwner(HOLDER, { mint: MINT }, { encoding: 'jsonParsed', commitment: 'confirmed' }).send()
  ).value;
  out.multiple = (await rpc.getMultipleAccounts([MINT, HOLDER_TOKENS], { encoding: 'base64', commitment: 'confirmed' }).send()).value;
  step('kit accounts');

  const again = await signTransactionMessageWithSigners(
    pipe(message, (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: '11111111111111111111111111111111', lastValidBlockHeight: 0n }, m)),
  );
  const simulated = await rpc
    .simulateTransaction(getBase64EncodedWireTransaction(again), {
      encoding: 'base64',
      replaceRecentBlockhash: true,
      sigVerify: false,
      commitment: 'confirmed',
    })
    .send();
  out.simulation = { err: simulated.value.err, logs: simulated.value.logs, unitsConsumed: simulated.value.unitsConsumed };
  out.hasReplacementBlockhash = typeof simulated.value.replacementBlockhash?.blockhash === 'string';
  const epoch = await rpc.getEpochInfo().send();
  out.epochInfoKeys = Object.keys(epoch).sort();
  out.rent = await rpc.getMinimumBalanceForRentExemption(165n).send();
  step('kit simulation and cluster');
}

await withWeb3();
await withKit();
assert.ok(seen.web3.blockHoldsTransfer);
// bigint (kit's u64) as decimal strings.
console.log(JSON.stringify(seen, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
process.exit(0);
