// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IERC20Vaulted {
    function transfer(address, uint256) external returns (bool);
    function transferFrom(address, address, uint256) external returns (bool);
}

/// The AO USDS bridge's interface (the single-vault `Distribution`): no pools, `usersData(user)` returns
/// (lastStake, deposited), the total is `totalDepositedInVault()`, events carry no pool id. The real
/// contract deposits into an ERC-4626 vault and bridges the overplus; that is not modelled.
contract VaultBridge {
    struct UserData {
        uint128 lastStake;
        uint256 deposited;
    }

    address public immutable owner;
    IERC20Vaulted public immutable depositToken;
    uint256 public totalDepositedInVault;
    mapping(address => UserData) internal users;

    event UserStaked(address indexed user, uint256 amount, bytes32 arweaveAddress);
    event UserWithdrawn(address indexed user, uint256 amount, bytes32 arweaveAddress);

    constructor(IERC20Vaulted depositToken_) {
        owner = msg.sender;
        depositToken = depositToken_;
    }

    function usersData(address user) external view returns (UserData memory) {
        return users[user];
    }

    function stake(uint256 amount, bytes32 arweaveAddress) external {
        require(amount > 0, "invalid amount");
        require(depositToken.transferFrom(msg.sender, address(this), amount), "transfer failed");
        users[msg.sender].deposited += amount;
        users[msg.sender].lastStake = uint128(block.timestamp);
        totalDepositedInVault += amount;
        emit UserStaked(msg.sender, amount, arweaveAddress);
    }

    /// Test seeding only (the mainnet contract has no such call): the owner funds many users' stakes.
    function seedStakes(address[] calldata users_, uint256[] calldata amounts, bytes32[] calldata arweaveAddresses) external {
        require(msg.sender == owner, "only owner");
        require(users_.length > 0 && users_.length == amounts.length && users_.length == arweaveAddresses.length, "length");
        uint256 sum = 0;
        for (uint256 i = 0; i < amounts.length; i++) sum += amounts[i];
        require(depositToken.transferFrom(msg.sender, address(this), sum), "transfer failed");
        for (uint256 i = 0; i < users_.length; i++) {
            require(amounts[i] > 0, "invalid amount");
            users[users_[i]].deposited += amounts[i];
            emit UserStaked(users_[i], amounts[i], arweaveAddresses[i]);
        }
        totalDepositedInVault += sum;
    }

    function withdraw(uint256 amount, bytes32 arweaveAddress) external {
        UserData storage u = users[msg.sender];
        if (amount > u.deposited) amount = u.deposited;
        require(amount > 0, "nothing to withdraw");
        u.deposited -= amount;
        totalDepositedInVault -= amount;
        require(depositToken.transfer(msg.sender, amount), "transfer failed");
        emit UserWithdrawn(msg.sender, amount, arweaveAddress);
    }

    function ejectStakedFunds(address user) external {
        require(msg.sender == owner, "only owner");
        uint256 amount = users[user].deposited;
        require(amount > 0, "nothing to eject");
        users[user].deposited = 0;
        totalDepositedInVault -= amount;
        require(depositToken.transfer(user, amount), "transfer failed");
        emit UserWithdrawn(user, amount, bytes32(0));
    }
}
