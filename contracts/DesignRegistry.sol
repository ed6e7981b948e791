// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title DesignRegistry
/// @notice Audit ledger of 3D design fingerprints: proves that a given file (its SHA-256) was
///         registered for a designer at a point in time. It enforces nothing about printing;
///         licences and print counting live elsewhere.
/// @dev Only accounts holding REGISTRAR_ROLE (the platform's relayer) may register, because
///      designers never hold keys: the platform registers on their behalf.
contract DesignRegistry is AccessControl {
    /// @notice Role allowed to register fingerprints.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    /// @notice What the ledger knows about one fingerprint.
    /// @dev creator and registeredAt share one storage slot (20 + 8 bytes); designId takes a
    ///      second slot. A uint64 timestamp lasts far beyond any chain we will run on.
    struct Design {
        address creator;
        uint64 registeredAt;
        bytes16 designId;
    }

    mapping(bytes32 fingerprint => Design) private _designs;

    /// @notice Emitted once per fingerprint, when it is first registered.
    event DesignRegistered(
        bytes32 indexed fingerprint, bytes16 indexed designId, address indexed creator, uint64 timestamp
    );

    /// @notice The fingerprint is already on the ledger; the original entry is kept.
    error DesignAlreadyRegistered(bytes32 fingerprint, bytes16 designId, address creator, uint64 registeredAt);

    /// @notice A zero fingerprint, design id or creator is never a real registration.
    error InvalidRegistration();

    /// @notice Deploys the registry with `admin` as the only account able to grant roles.
    /// @param admin Receives DEFAULT_ADMIN_ROLE; grant REGISTRAR_ROLE to the relayer afterwards.
    constructor(address admin) {
        if (admin == address(0)) revert InvalidRegistration();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Records `fingerprint` as belonging to `creator` under the platform's `designId`.
    /// @dev Refuses a fingerprint that is already registered, so a second upload of the same
    ///      file can never change who registered it first.
    /// @param fingerprint SHA-256 of the original design file.
    /// @param designId The platform's identifier for the design (a UUID).
    /// @param creator The designer's address recorded as the owner of the registration.
    function register(bytes32 fingerprint, bytes16 designId, address creator) external onlyRole(REGISTRAR_ROLE) {
        if (fingerprint == bytes32(0) || designId == bytes16(0) || creator == address(0)) {
            revert InvalidRegistration();
        }
        Design storage existing = _designs[fingerprint];
        if (existing.creator != address(0)) {
            revert DesignAlreadyRegistered(fingerprint, existing.designId, existing.creator, existing.registeredAt);
        }
        uint64 timestamp = uint64(block.timestamp);
        _designs[fingerprint] = Design({creator: creator, registeredAt: timestamp, designId: designId});
        emit DesignRegistered(fingerprint, designId, creator, timestamp);
    }

    /// @notice Returns the registration of `fingerprint`.
    /// @dev An unknown fingerprint returns an all-zero Design (creator == address(0)) rather
    ///      than reverting, so callers can check existence with a single call.
    /// @param fingerprint SHA-256 of the design file.
    /// @return design The stored creator, registration time and design id.
    function designOf(bytes32 fingerprint) external view returns (Design memory design) {
        return _designs[fingerprint];
    }
}
