// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title LicenseLedger
/// @notice Audit ledger of print licenses for 3D designs: which holder may print a design how many
///         times until when, and how many of those prints have been used. The platform enforces
///         licenses off chain (it hands out the encrypted build file); this contract is the
///         tamper-evident record of what it granted and counted, readable by designers and licensees
///         without trusting the platform's database.
/// @dev A license is a non-transferable record in exactly one storage slot (see {License}), not a
///      token: transfers, balances and receiver hooks would only add cost and a way to move a license
///      away from the organisation it was granted to. Issuing one therefore writes a single fresh
///      slot and no balance bookkeeping; bench/license-gas.ts compares it with ERC-1155 `_mint`.
///
///      Compiled for evmVersion `cancun` (pinned in scripts/compile-contracts.ts): OpenZeppelin 5.5
///      and later emit MCOPY (EIP-5656), which exists only from Cancun on, and the production chain
///      runs only the forks its genesis enables, so the pin must follow the production genesis.
///
///      Print counts are uint24 and the expiry a uint40 of unix seconds on purpose: with the holder
///      and the revoked flag they fill exactly 32 bytes, and neither limit (16.7 million prints,
///      the year 36,812) is one a license will reach.
///
///      The license's terms that never change after issue (the platform's license reference, the
///      design and the approved-printer set) are not stored: the token id is a hash committing to
///      them, and callers that need them (voucher redemption) present them with the call.
contract LicenseLedger is AccessControl, EIP712 {
    /// @notice Role allowed to issue and revoke licenses (the platform's relayer).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice Role allowed to record prints the platform authorised off chain (the relayer).
    bytes32 public constant SETTLER_ROLE = keccak256("SETTLER_ROLE");
    /// @notice Role whose signatures make a print voucher valid (a platform key, never a printer's).
    bytes32 public constant VOUCHER_SIGNER_ROLE = keccak256("VOUCHER_SIGNER_ROLE");

    bytes32 private constant PRINT_VOUCHER_TYPEHASH =
        keccak256("PrintVoucher(uint256 tokenId,bytes16 jobId,bytes16 printerId,uint40 notAfter)");

    /// @notice The mutable state of one license.
    /// @dev Deliberately packed into one 32-byte slot (20 + 3 + 3 + 5 + 1 bytes): issuing writes one
    ///      fresh slot and a settlement rewrites it. uint24 allows 16,777,215 prints per license, far
    ///      beyond any print run we license; uint40 seconds reach the year 36,812. Wider types would
    ///      spill into a second slot and cost another 20,000 gas per issue.
    struct License {
        address holder;
        uint24 printsTotal;
        uint24 printsUsed;
        uint40 expiresAt;
        bool revoked;
    }

    /// @notice Prints of one license to record in a batch; see {settle}.
    struct Settlement {
        uint256 tokenId;
        uint24 usedBefore;
        bytes16[] jobIds;
    }

    /// @notice A platform-signed permission for one print on an offline printer (EIP-712 typed data).
    /// @dev `notAfter` is the last moment the printer may start the print; the printer checks it
    ///      against its own clock. Redemption may happen any time later, so the contract compares
    ///      `notAfter` with the license's expiry, never with the block time.
    struct PrintVoucher {
        uint256 tokenId;
        bytes16 jobId;
        bytes16 printerId;
        uint40 notAfter;
    }

    /// @notice The immutable terms a token id commits to; see {licenseIdOf}.
    struct LicenseTerms {
        bytes16 licenseRef;
        bytes16 designId;
        bytes32 printerRoot;
    }

    mapping(uint256 tokenId => License) private _licenses;
    mapping(bytes16 jobId => bool) private _redeemedVouchers;

    /// @notice A license was issued.
    /// @dev Logs every term once and nothing twice; the log is most of what an issue costs beyond its
    ///      storage slot (375 gas a topic, 256 a word of data). The token id is not logged: it is
    ///      licenseIdOf(licenseRef, designId, printerRoot) of the fields below, and licenseRef names
    ///      the license as uniquely for log filters. Holder, prints and expiry travel as the one word
    ///      the issue stored; shared/chain/license-ledger.ts decodes both back into named fields.
    /// @param licenseRef The platform's reference of the license.
    /// @param designId The licensed design.
    /// @param license The license as issued, in {License}'s storage layout: holder (bits 0-159),
    ///        printsTotal (160-183), printsUsed (184-207, zero), expiresAt (208-247, unix seconds),
    ///        revoked (248-255, zero).
    /// @param printerRoot Merkle root of the approved printers; zero for any printer of the holder.
    event LicenseIssued(bytes16 indexed licenseRef, bytes16 indexed designId, uint256 license, bytes32 printerRoot);

    /// @notice A license was revoked; the platform authorises no further prints under it.
    /// @param tokenId The revoked license.
    event LicenseRevoked(uint256 indexed tokenId);

    /// @notice Prints authorised off chain were recorded against a license.
    /// @param tokenId The license the prints count against.
    /// @param usedBefore The license's printsUsed before these prints; it rises by jobIds.length.
    /// @param jobIds The platform's print job ids, one per print.
    event PrintsSettled(uint256 indexed tokenId, uint24 usedBefore, bytes16[] jobIds);

    /// @notice An offline print voucher was redeemed and counted against its license.
    /// @param tokenId The license the print counts against.
    /// @param jobId The print job the voucher was signed for.
    /// @param printerId The printer the voucher was signed for.
    event VoucherRedeemed(uint256 indexed tokenId, bytes16 indexed jobId, bytes16 printerId);

    /// @notice The constructor was given the zero address as admin.
    error InvalidAdmin();

    /// @notice A zero license reference, design or holder, zero prints, or an expiry not in the future.
    error InvalidTerms();

    /// @notice A license with these terms exists already; a retried issue lands here instead of
    ///         creating a second license.
    /// @param tokenId The existing license.
    error LicenseExists(uint256 tokenId);

    /// @notice No license has this id.
    /// @param tokenId The id asked for.
    error UnknownLicense(uint256 tokenId);

    /// @notice The license is revoked already.
    /// @param tokenId The license.
    error AlreadyRevoked(uint256 tokenId);

    /// @notice The settlement was computed against a different printsUsed than the ledger holds: it
    ///         is a replay, or an earlier settlement of the license has not been mined yet.
    /// @param tokenId The license.
    /// @param expectedUsed The printsUsed the caller settled against (its usedBefore).
    /// @param actualUsed The printsUsed the ledger holds.
    error SettlementOutOfOrder(uint256 tokenId, uint24 expectedUsed, uint24 actualUsed);

    /// @notice The license has fewer prints left than the call records.
    /// @param tokenId The license.
    /// @param printsLeft Prints the license still allows.
    /// @param requested Prints the call tried to record.
    error PrintsExhausted(uint256 tokenId, uint24 printsLeft, uint256 requested);

    /// @notice A settlement without job ids, or a batch without settlements.
    error EmptySettlement();

    /// @notice The presented terms do not hash to the voucher's token id.
    /// @param voucherTokenId The token id the voucher names.
    /// @param termsTokenId The token id the presented terms hash to.
    error TermsMismatch(uint256 voucherTokenId, uint256 termsTokenId);

    /// @notice The voucher's signature is malformed or its signer lacks VOUCHER_SIGNER_ROLE.
    /// @param signer The recovered signer; zero when the signature could not be recovered.
    error InvalidVoucherSigner(address signer);

    /// @notice This job's voucher was redeemed before.
    /// @param jobId The job id.
    error VoucherAlreadyRedeemed(bytes16 jobId);

    /// @notice The voucher allowed printing after the license expired, so the platform could not
    ///         have issued it legitimately.
    /// @param tokenId The license.
    /// @param notAfter The voucher's last print time.
    /// @param expiresAt The license's expiry.
    error VoucherOutlivesLicense(uint256 tokenId, uint40 notAfter, uint40 expiresAt);

    /// @notice The voucher's printer is not in the license's approved-printer set.
    /// @param tokenId The license.
    /// @param printerId The printer the voucher names.
    error PrinterNotApproved(uint256 tokenId, bytes16 printerId);

    /// @notice Deploys the ledger with `admin` as the only account able to grant roles.
    /// @param admin Receives DEFAULT_ADMIN_ROLE; grant MINTER_ROLE, SETTLER_ROLE and
    ///        VOUCHER_SIGNER_ROLE afterwards.
    constructor(address admin) EIP712("ForgecastLicenseLedger", "1") {
        if (admin == address(0)) revert InvalidAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice The token id of the license with these terms.
    /// @dev tokenId commits to the design and the approved-printer set without storing them:
    ///      uint256(keccak256(abi.encode(licenseRef, designId, printerRoot))). printerRoot 0 means
    ///      any printer of the holder.
    /// @param licenseRef The platform's reference of the license.
    /// @param designId The licensed design.
    /// @param printerRoot Merkle root of the approved printers, or zero.
    /// @return tokenId The token id.
    function licenseIdOf(bytes16 licenseRef, bytes16 designId, bytes32 printerRoot)
        public
        pure
        returns (uint256 tokenId)
    {
        // Same bytes as abi.encode(licenseRef, designId, printerRoot), hashed in place in free
        // memory without moving the free-memory pointer.
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            mstore(buffer, licenseRef)
            mstore(add(buffer, 0x20), designId)
            mstore(add(buffer, 0x40), printerRoot)
            tokenId := keccak256(buffer, 0x60)
        }
    }

    /// @notice Issues a license to `holder`.
    /// @dev The token id depends only on the immutable terms, so re-sending the same issue (a retried
    ///      relayer transaction) reverts with LicenseExists instead of creating a second license.
    /// @param licenseRef The platform's reference of the license.
    /// @param designId The licensed design.
    /// @param holder The licensee's address.
    /// @param prints How many prints the license allows.
    /// @param expiresAt Unix time (seconds) after which no further prints are authorised; must be
    ///        in the future.
    /// @param printerRoot Merkle root of the approved printers, or zero for any printer of the holder.
    /// @return tokenId The new license's id.
    function issue(
        bytes16 licenseRef,
        bytes16 designId,
        address holder,
        uint24 prints,
        uint40 expiresAt,
        bytes32 printerRoot
    ) external returns (uint256 tokenId) {
        // The check onlyRole makes, without its two internal calls (~30 gas on every issue).
        if (!hasRole(MINTER_ROLE, msg.sender)) revert AccessControlUnauthorizedAccount(msg.sender, MINTER_ROLE);
        // One branch for the five checks instead of a branch each (~130 gas): the ABI decoder has
        // already reverted on dirty high bits, so each value is zero exactly when iszero says so.
        bool badTerms;
        assembly ("memory-safe") {
            badTerms := or(
                or(or(iszero(licenseRef), iszero(designId)), or(iszero(holder), iszero(prints))),
                iszero(gt(expiresAt, timestamp()))
            )
        }
        if (badTerms) revert InvalidTerms();
        tokenId = licenseIdOf(licenseRef, designId, printerRoot);
        License storage license = _licenses[tokenId];
        if (license.holder != address(0)) revert LicenseExists(tokenId);
        // The whole slot in one word, in License's layout: holder (bits 0-159), printsTotal (160-183),
        // printsUsed (184-207, zero), expiresAt (208-247), revoked (248-255, false). Assigning the
        // struct instead re-reads the slot and masks each member: ~590 gas more per issue.
        uint256 packed = uint256(uint160(holder)) | (uint256(prints) << 160) | (uint256(expiresAt) << 208);
        bytes32 issuedTopic = LicenseIssued.selector;
        assembly ("memory-safe") {
            sstore(license.slot, packed)
            // emit LicenseIssued(licenseRef, designId, packed, printerRoot), from scratch space
            // instead of a fresh memory allocation: ~60 gas less.
            mstore(0x00, packed)
            mstore(0x20, printerRoot)
            log3(0x00, 0x40, issuedTopic, licenseRef, designId)
        }
    }

    /// @notice Revokes a license: the platform authorises no further prints under it.
    /// @dev Prints already authorised still settle, and vouchers already signed still redeem; see
    ///      {settle} and {redeemVoucher}.
    /// @param tokenId The license to revoke.
    function revoke(uint256 tokenId) external onlyRole(MINTER_ROLE) {
        License storage license = _licenses[tokenId];
        if (license.holder == address(0)) revert UnknownLicense(tokenId);
        if (license.revoked) revert AlreadyRevoked(tokenId);
        license.revoked = true;
        emit LicenseRevoked(tokenId);
    }

    /// @notice Records prints the platform authorised off chain.
    /// @dev Compare-and-swap on printsUsed (`usedBefore`) makes a replayed or reordered settlement
    ///      revert instead of double counting. Expiry and revocation are deliberately not checked:
    ///      the prints were authorised while the license was valid, and the ledger must still record
    ///      them however late the settlement is mined. A redeemed voucher also advances printsUsed,
    ///      so a settlement computed before it reverts with SettlementOutOfOrder and must be
    ///      recomputed from the ledger's current printsUsed.
    /// @param tokenId The license the prints count against.
    /// @param usedBefore The printsUsed the caller computed the settlement against.
    /// @param jobIds The platform's print job ids, one per print; at least one.
    function settle(uint256 tokenId, uint24 usedBefore, bytes16[] calldata jobIds)
        external
        onlyRole(SETTLER_ROLE)
    {
        _settle(tokenId, usedBefore, jobIds);
    }

    /// @notice Records several settlements in one transaction, all or nothing.
    /// @dev Settlements apply in order, so two entries for one license chain their usedBefore.
    /// @param settlements The settlements; at least one.
    function settleBatch(Settlement[] calldata settlements) external onlyRole(SETTLER_ROLE) {
        uint256 count = settlements.length;
        if (count == 0) revert EmptySettlement();
        for (uint256 i = 0; i < count; ++i) {
            Settlement calldata settlement = settlements[i];
            _settle(settlement.tokenId, settlement.usedBefore, settlement.jobIds);
        }
    }

    /// @notice Redeems a print voucher signed in advance for an offline printer; anyone may submit it.
    /// @dev A job id is redeemable once. Revocation after signing does not void the voucher: the
    ///      printer verified it offline and may have printed before it could learn of the revocation,
    ///      and the ledger's purpose is to count every print that was made. The exposure is bounded
    ///      by the license's prints and by the voucher's notAfter, which cannot outlive the license.
    ///      Job ids of vouchers must never also be settled through {settle}: the ledger does not
    ///      store settled job ids, so such a print would count twice.
    /// @param voucher The signed voucher.
    /// @param terms The license's immutable terms; they must hash to voucher.tokenId.
    /// @param printerProof Merkle proof of voucher.printerId in terms.printerRoot; empty when the
    ///        root is zero.
    /// @param signature The EIP-712 signature of a VOUCHER_SIGNER_ROLE account over the voucher.
    function redeemVoucher(
        PrintVoucher calldata voucher,
        LicenseTerms calldata terms,
        bytes32[] calldata printerProof,
        bytes calldata signature
    ) external {
        uint256 tokenId = voucher.tokenId;
        uint256 termsTokenId = licenseIdOf(terms.licenseRef, terms.designId, terms.printerRoot);
        if (termsTokenId != tokenId) revert TermsMismatch(tokenId, termsTokenId);
        License memory license = _licenses[tokenId];
        if (license.holder == address(0)) revert UnknownLicense(tokenId);

        (address signer, ECDSA.RecoverError recoverError,) =
            ECDSA.tryRecoverCalldata(_voucherDigest(voucher), signature);
        if (recoverError != ECDSA.RecoverError.NoError || !hasRole(VOUCHER_SIGNER_ROLE, signer)) {
            revert InvalidVoucherSigner(signer);
        }
        bytes16 jobId = voucher.jobId;
        if (_redeemedVouchers[jobId]) revert VoucherAlreadyRedeemed(jobId);
        if (voucher.notAfter > license.expiresAt) {
            revert VoucherOutlivesLicense(tokenId, voucher.notAfter, license.expiresAt);
        }
        if (terms.printerRoot != bytes32(0) && !_isApprovedPrinter(printerProof, terms.printerRoot, voucher.printerId))
        {
            revert PrinterNotApproved(tokenId, voucher.printerId);
        }
        if (license.printsUsed >= license.printsTotal) revert PrintsExhausted(tokenId, 0, 1);

        _redeemedVouchers[jobId] = true;
        _licenses[tokenId].printsUsed = license.printsUsed + 1;
        emit VoucherRedeemed(tokenId, jobId, voucher.printerId);
    }

    /// @notice The state of a license.
    /// @dev An unknown id returns an all-zero License (holder == address(0)) rather than reverting,
    ///      so callers can check existence with a single call.
    /// @param tokenId The license.
    /// @return The stored license.
    function licenseOf(uint256 tokenId) external view returns (License memory) {
        return _licenses[tokenId];
    }

    /// @notice Whether the voucher for `jobId` has been redeemed.
    /// @param jobId The job id.
    /// @return True once redeemed.
    function voucherRedeemed(bytes16 jobId) external view returns (bool) {
        return _redeemedVouchers[jobId];
    }

    /// @notice The EIP-712 typed-data hash a voucher signer signs; lets off-chain code check its
    ///         own hashing against the contract's.
    /// @param voucher The voucher.
    /// @return The digest (domain "ForgecastLicenseLedger", version "1", this chain and contract).
    function voucherDigest(PrintVoucher calldata voucher) external view returns (bytes32) {
        return _voucherDigest(voucher);
    }

    function _settle(uint256 tokenId, uint24 usedBefore, bytes16[] calldata jobIds) private {
        uint256 requested = jobIds.length;
        if (requested == 0) revert EmptySettlement();
        License storage license = _licenses[tokenId];
        if (license.holder == address(0)) revert UnknownLicense(tokenId);
        uint24 printsUsed = license.printsUsed;
        if (printsUsed != usedBefore) revert SettlementOutOfOrder(tokenId, usedBefore, printsUsed);
        uint24 printsLeft = license.printsTotal - printsUsed;
        if (requested > printsLeft) revert PrintsExhausted(tokenId, printsLeft, requested);
        // requested <= printsLeft, so the sum stays within printsTotal and fits uint24.
        license.printsUsed = printsUsed + uint24(requested);
        emit PrintsSettled(tokenId, usedBefore, jobIds);
    }

    function _voucherDigest(PrintVoucher calldata voucher) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(PRINT_VOUCHER_TYPEHASH, voucher.tokenId, voucher.jobId, voucher.printerId, voucher.notAfter)
            )
        );
    }

    /// @dev Leaves are double-hashed (OpenZeppelin's convention) so no inner node of the tree can
    ///      pass as a leaf; shared/chain/printer-set.ts builds the same tree.
    function _isApprovedPrinter(bytes32[] calldata proof, bytes32 root, bytes16 printerId)
        private
        pure
        returns (bool)
    {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(printerId))));
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }
}
