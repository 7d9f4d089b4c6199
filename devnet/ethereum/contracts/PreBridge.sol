// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IERC20Like {
    function balanceOf(address) external view returns (uint256);
    function transfer(address, uint256) external returns (bool);
    function transferFrom(address, address, uint256) external returns (bool);
}

/// The AO stETH pre-bridge's interface (a modified MorpheusAI `Distribution`): stETH is public pool 0;
/// `stake` credits the balance change it observed, not the amount requested (stETH transfers can lose
/// 1–2 wei); `emergencyEject` returns a user's deposit and emits UserWithdrawn with a zero Arweave address.
/// Reward accounting (rate, pendingRewards) is not modelled: the views return zeros there.
contract PreBridge {
    struct UserData {
        uint128 lastStake;
        uint256 deposited;
        uint256 rate;
        uint256 pendingRewards;
    }

    struct PoolData {
        uint128 lastUpdate;
        uint256 rate;
        uint256 totalDeposited;
    }

    address public immutable owner;
    IERC20Like public immutable depositToken;
    uint256 public totalDepositedInPublicPools;
    mapping(address => mapping(uint256 => UserData)) public usersData;
    mapping(uint256 => PoolData) public poolsData;

    event UserStaked(uint256 indexed poolId, address indexed user, uint256 amount, bytes32 arweaveAddress);
    event UserWithdrawn(uint256 indexed poolId, address indexed user, uint256 amount, bytes32 arweaveAddress);

    constructor(IERC20Like depositToken_) {
        owner = msg.sender;
        depositToken = depositToken_;
    }

    function stake(uint256 poolId, uint256 amount, bytes32 arweaveAddress) external {
        _stake(msg.sender, msg.sender, poolId, amount, arweaveAddress);
    }

    /// Test seeding only (the mainnet contract has no such call): the owner funds many users' stakes in
    /// one transaction with one stETH transfer, each emitting the UserStaked a user's own stake would.
    /// The transfer's 1–2 wei rounding loss is taken from the last entry, so credits sum to what arrived.
    function seedStakes(address[] calldata users, uint256[] calldata amounts, bytes32[] calldata arweaveAddresses) external {
        require(msg.sender == owner, "only owner");
        require(users.length > 0 && users.length == amounts.length && users.length == arweaveAddresses.length, "length");
        uint256 sum = 0;
        for (uint256 i = 0; i < amounts.length; i++) sum += amounts[i];
        uint256 before = depositToken.balanceOf(address(this));
        require(depositToken.transferFrom(msg.sender, address(this), sum), "transfer failed");
        uint256 shortfall = sum - (depositToken.balanceOf(address(this)) - before);
        uint256 last = users.length - 1;
        for (uint256 i = 0; i < users.length; i++) {
            uint256 credited = i == last ? amounts[i] - shortfall : amounts[i];
            require(credited > 0, "invalid amount");
            usersData[users[i]][0].deposited += credited;
            emit UserStaked(0, users[i], credited, arweaveAddresses[i]);
        }
        poolsData[0].totalDeposited += sum - shortfall;
        poolsData[0].lastUpdate = uint128(block.timestamp);
        totalDepositedInPublicPools += sum - shortfall;
    }

    function withdraw(uint256 poolId, uint256 amount, bytes32 arweaveAddress) external {
        require(poolId == 0, "pool doesn't exist");
        UserData storage u = usersData[msg.sender][poolId];
        if (amount > u.deposited) amount = u.deposited;
        require(amount > 0, "nothing to withdraw");
        _debit(msg.sender, poolId, amount);
        require(depositToken.transfer(msg.sender, amount), "transfer failed");
        emit UserWithdrawn(poolId, msg.sender, amount, arweaveAddress);
    }

    function emergencyEject(address user) external {
        require(msg.sender == owner, "only owner");
        uint256 amount = usersData[user][0].deposited;
        require(amount > 0, "nothing to eject");
        _debit(user, 0, amount);
        require(depositToken.transfer(user, amount), "transfer failed");
        emit UserWithdrawn(0, user, amount, bytes32(0));
    }

    function _stake(address payer, address user, uint256 poolId, uint256 amount, bytes32 arweaveAddress) internal {
        require(poolId == 0, "pool doesn't exist");
        require(amount > 0, "invalid amount");
        uint256 before = depositToken.balanceOf(address(this));
        require(depositToken.transferFrom(payer, address(this), amount), "transfer failed");
        uint256 received = depositToken.balanceOf(address(this)) - before;
        UserData storage u = usersData[user][poolId];
        u.deposited += received;
        u.lastStake = uint128(block.timestamp);
        poolsData[poolId].totalDeposited += received;
        poolsData[poolId].lastUpdate = uint128(block.timestamp);
        totalDepositedInPublicPools += received;
        emit UserStaked(poolId, user, received, arweaveAddress);
    }

    function _debit(address user, uint256 poolId, uint256 amount) internal {
        usersData[user][poolId].deposited -= amount;
        poolsData[poolId].totalDeposited -= amount;
        poolsData[poolId].lastUpdate = uint128(block.timestamp);
        totalDepositedInPublicPools -= amount;
    }
}
