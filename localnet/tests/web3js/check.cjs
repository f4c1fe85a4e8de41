// The real @solana/web3.js v1 against localnet, as a web3.js app uses a validator. web3.js
// validates every reply against its own schema (superstruct) and throws on a wrong shape, so
// each call below is also a shape check; the values are checked here and, printed as one
// JSON line, again by localnet/tests/web3js.rs against localnet's own view.
// Usage: RPC_URL=… WS_URL=… MINT=… HOLDER=… node check.cjs (NODE_PATH: scripts/web3js.sh's output).
'use strict';
const web3 = require('@solana/web3.js');
const assert = require('node:assert/strict');

const { Connection, Keypair, PublicKey, SystemProgram, Transaction, LAMPORTS_PER_SOL } = web3;

async function main() {
  // localnet's PubSub is not on the JSON-RPC port + 1 web3.js would guess.
  const connection = new Connection(process.env.RPC_URL, {
    commitment: 'confirmed',
    wsEndpoint: process.env.WS_URL,
  });
  const mint = new PublicKey(process.env.MINT);
  const holder = new PublicKey(process.env.HOLDER);
  const checked = [];
  const check = (name) => {
    checked.push(name);
    console.error(`ok ${name}`);
  };

  const version = await connection.getVersion();
  assert.equal(version['solana-core'], '4.2.2');
  check('getVersion');

  // A payer from the faucet, and a transfer confirmed the way apps send one.
  const payer = Keypair.generate();
  const bob = Keypair.generate().publicKey;
  const airdrop = await connection.requestAirdrop(payer.publicKey, 2 * LAMPORTS_PER_SOL);
  const latest = await connection.getLatestBlockhash();
  assert.equal(typeof latest.blockhash, 'string');
  assert.ok(latest.lastValidBlockHeight > (await connection.getBlockHeight()));
  check('getLatestBlockhash');
  await connection.confirmTransaction({ signature: airdrop, ...latest }, 'confirmed');
  assert.equal(await connection.getBalance(payer.publicKey), 2 * LAMPORTS_PER_SOL);
  check('requestAirdrop');

  const lamports = 1_234_567;
  const transfer = new Transaction().add(
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: bob, lamports }),
  );
  const signature = await web3.sendAndConfirmTransaction(connection, transfer, [payer], {
    commitment: 'confirmed',
  });
  assert.equal(await connection.getBalance(bob), lamports);
  check('sendAndConfirmTransaction');

  // The fee a message pays, asked before sending it: 5,000 lamports a signature.
  const message = new Transaction({ feePayer: payer.publicKey, ...(await connection.getLatestBlockhash()) })
    .add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: bob, lamports: 1 }))
    .compileMessage();
  const fee = (await connection.getFeeForMessage(message)).value;
  assert.equal(fee, 5000);
  check('getFeeForMessage');

  const tx = await connection.getTransaction(signature, {
    commitment: 'confirmed',
    maxSupportedTransactionVersion: 0,
  });
  assert.ok(tx, 'getTransaction found the transfer');
  assert.equal(tx.transaction.signatures[0], signature);
  assert.equal(tx.meta.err, null);
  assert.equal(tx.meta.fee, 5000);
  const keys = tx.transaction.message.staticAccountKeys.map((k) => k.toBase58());
  const bobIndex = keys.indexOf(bob.toBase58());
  assert.ok(bobIndex > 0, 'bob among the account keys');
  assert.equal(tx.meta.postBalances[bobIndex] - tx.meta.preBalances[bobIndex], lamports);
  assert.equal(tx.meta.preBalances[0] - tx.meta.postBalances[0], lamports + 5000);
  assert.equal(tx.version, 'legacy');
  check('getTransaction');

  const parsed = await connection.getParsedTransaction(signature, {
    commitment: 'confirmed',
    maxSupportedTransactionVersion: 0,
  });
  const instruction = parsed.transaction.message.instructions[0];
  assert.equal(instruction.program, 'system');
  assert.equal(instruction.parsed.type, 'transfer');
  assert.equal(instruction.parsed.info.lamports, lamports);
  assert.equal(instruction.parsed.info.destination, bob.toBase58());
  assert.ok(parsed.transaction.message.accountKeys[0].signer);
  check('getParsedTransaction');

  const block = await connection.getBlock(tx.slot, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
  assert.ok(block.transactions.some((t) => t.transaction.signatures[0] === signature), 'the block holds the transfer');
  assert.equal(block.parentSlot, tx.slot - 1);
  assert.equal(await connection.getBlockTime(tx.slot), block.blockTime);
  const parent = await connection.getBlock(tx.slot - 1, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
  assert.equal(parent.blockhash, block.previousBlockhash);
  // web3.js v1 takes `accounts` and `none` details (`signatures`: localnet/tests/rpc_methods.rs).
  const accountsOnly = await connection.getBlock(tx.slot, {
    commitment: 'confirmed',
    maxSupportedTransactionVersion: 0,
    transactionDetails: 'accounts',
  });
  const listed = accountsOnly.transactions.find((t) => t.transaction.signatures[0] === signature);
  assert.ok(listed.transaction.accountKeys.some((k) => k.pubkey.equals(bob) && k.writable));
  const header = await connection.getBlock(tx.slot, {
    commitment: 'confirmed',
    maxSupportedTransactionVersion: 0,
    transactionDetails: 'none',
    rewards: false,
  });
  assert.equal(header.blockhash, block.blockhash);
  const parsedBlock = await connection.getParsedBlock(tx.slot, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
  assert.ok(parsedBlock.transactions.length >= 1);
  check('getBlock');
  check('getBlockTime');
  check('getParsedBlock');

  const blocks = await connection.getBlocks(tx.slot - 1, tx.slot, 'confirmed');
  assert.deepEqual(blocks, [tx.slot - 1, tx.slot]);
  check('getBlocks');

  const statuses = await connection.getSignatureStatuses([signature]);
  assert.ok(['confirmed', 'finalized'].includes(statuses.value[0].confirmationStatus));
  check('getSignatureStatuses');
  const history = await connection.getSignaturesForAddress(bob, {}, 'confirmed');
  assert.equal(history[0].signature, signature);
  check('getSignaturesForAddress');

  const epoch = await connection.getEpochInfo();
  assert.ok(epoch.slotIndex < epoch.slotsInEpoch);
  assert.ok(epoch.absoluteSlot >= tx.slot);
  const schedule = await connection.getEpochSchedule();
  assert.equal(schedule.getEpoch(epoch.absoluteSlot), epoch.epoch);
  check('getEpochInfo');
  check('getEpochSchedule');

  const priorityFees = await connection.getRecentPrioritizationFees({ lockedWritableAccounts: [bob] });
  assert.ok(priorityFees.length > 0 && priorityFees.every((f) => f.prioritizationFee === 0));
  assert.ok(priorityFees.some((f) => f.slot === tx.slot));
  check('getRecentPrioritizationFees');

  // The bootstrapped quote mint: its supply, its holders, and the mint parsed.
  const supply = await connection.getTokenSupply(mint);
  assert.equal(supply.value.decimals, 6);
  const mintInfo = await connection.getParsedAccountInfo(mint);
  assert.equal(mintInfo.value.data.program, 'spl-token');
  assert.equal(mintInfo.value.data.parsed.type, 'mint');
  assert.equal(mintInfo.value.data.parsed.info.supply, supply.value.amount);
  const largest = await connection.getTokenLargestAccounts(mint);
  assert.ok(largest.value.length > 0);
  const holdings = await connection.getParsedTokenAccountsByOwner(holder, { mint });
  assert.equal(holdings.value.length, 1);
  const holding = holdings.value[0].account.data.parsed.info.tokenAmount;
  assert.ok(largest.value.some((a) => a.amount === holding.amount));
  check('getTokenSupply');
  check('getParsedAccountInfo');
  check('getTokenLargestAccounts');
  check('getParsedTokenAccountsByOwner');

  const totalSupply = await connection.getSupply();
  assert.equal(totalSupply.value.total, totalSupply.value.circulating);
  check('getSupply');
  const nodes = await connection.getClusterNodes();
  const votes = await connection.getVoteAccounts();
  assert.equal(nodes.length, 1);
  assert.equal(votes.current[0].nodePubkey, nodes[0].pubkey);
  assert.equal(await connection.getSlotLeader(), nodes[0].pubkey);
  check('getClusterNodes');
  check('getVoteAccounts');
  check('getSlotLeader');
  const leaders = await connection.getLeaderSchedule();
  assert.equal(leaders[nodes[0].pubkey].length, epoch.slotsInEpoch);
  check('getLeaderSchedule');
  assert.ok((await connection.getTransactionCount()) > 0);
  check('getTransactionCount');
  assert.ok((await connection.getInflationGovernor()).initial > 0);
  check('getInflationGovernor');
  assert.ok((await connection.getStakeMinimumDelegation()).value > 0);
  check('getStakeMinimumDelegation');
  // One sample per finished minute (none in the first minute, as on agave).
  assert.ok(Array.isArray(await connection.getRecentPerformanceSamples(5)));
  check('getRecentPerformanceSamples');
  assert.ok((await connection.getFirstAvailableBlock()) <= tx.slot);
  check('getFirstAvailableBlock');
  assert.ok((await connection.getMinimumBalanceForRentExemption(165)) > 0);
  check('getMinimumBalanceForRentExemption');
  assert.equal((await connection.getLargestAccounts()).value.length, 20);
  check('getLargestAccounts');
  assert.ok((await connection.getGenesisHash()).length > 0);
  check('getGenesisHash');

  console.log(JSON.stringify({ signature, slot: tx.slot, fee, tokenSupply: supply.value.amount, checked }));
  // The PubSub socket web3.js keeps open would keep node running.
  process.exit(0);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
