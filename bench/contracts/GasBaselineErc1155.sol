// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/// @title GasBaselineErc1155
/// @notice Benchmark-only: OpenZeppelin's ERC-1155 `_mint` and `_burn` with nothing added, the
///         baseline bench/license-gas.ts measures LicenseLedger against. Never deployed by
///         infra/local and never part of the platform.
/// @dev No access control on purpose: the figure of interest is the bare cost of `_mint`/`_burn`.
///      Extra public functions would lengthen the selector dispatch and shift the figures.
contract GasBaselineErc1155 is ERC1155 {
    /// @notice Deploys with an empty metadata URI (unused by the benchmark).
    constructor() ERC1155("") {}

    /// @notice Mints `value` of token `id` to `to` with OpenZeppelin's `_mint`, unguarded.
    /// @param to Receiver; an externally owned account in the benchmark.
    /// @param id Token id.
    /// @param value Amount to mint.
    function mint(address to, uint256 id, uint256 value) external {
        _mint(to, id, value, "");
    }

    /// @notice Burns `value` of token `id` from `from` with OpenZeppelin's `_burn`, unguarded.
    /// @param from Holder whose balance decreases.
    /// @param id Token id.
    /// @param value Amount to burn.
    function burn(address from, uint256 id, uint256 value) external {
        _burn(from, id, value);
    }
}

/// @title GasBaselineErc1155Minter
/// @notice Benchmark-only: an ERC-1155 mint behind the same AccessControl role check that
///         LicenseLedger.issue pays, i.e. what holding licenses as ERC-1155 balances would cost in
///         production, where minting cannot be open to anyone.
contract GasBaselineErc1155Minter is ERC1155, AccessControl {
    /// @notice Role allowed to mint.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice Deploys with an empty metadata URI (unused) and the deployer as the only minter.
    constructor() ERC1155("") {
        _grantRole(MINTER_ROLE, msg.sender);
    }

    /// @notice Mints `value` of token `id` to `to` with OpenZeppelin's `_mint`.
    /// @param to Receiver; an externally owned account in the benchmark.
    /// @param id Token id.
    /// @param value Amount to mint.
    function mint(address to, uint256 id, uint256 value) external onlyRole(MINTER_ROLE) {
        _mint(to, id, value, "");
    }

    /// @notice ERC-165: both parents declare interfaces.
    /// @param interfaceId The interface asked about.
    /// @return True when either parent supports it.
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }
}
