// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// A share-based rebasing stETH for local chains: balances are shares × totalPooledEther / totalShares,
/// transfers move floor(amount × totalShares / totalPooledEther) shares, so the receiver can see 1–2 wei
/// less than the amount sent — the rounding the real Lido token has. `rebase` plays the oracle report and
/// emits Lido's `TokenRebased` with the same fields.
contract StETH {
    string public constant name = "Liquid staked Ether 2.0";
    string public constant symbol = "stETH";
    uint8 public constant decimals = 18;

    address public immutable owner;
    uint256 public totalShares;
    uint256 public totalPooledEther;
    mapping(address => uint256) public sharesOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event TransferShares(address indexed from, address indexed to, uint256 sharesValue);
    event TokenRebased(
        uint256 indexed reportTimestamp,
        uint256 timeElapsed,
        uint256 preTotalShares,
        uint256 preTotalEther,
        uint256 postTotalShares,
        uint256 postTotalEther,
        uint256 sharesMintedAsFees
    );

    constructor() {
        owner = msg.sender;
    }

    function totalSupply() external view returns (uint256) {
        return totalPooledEther;
    }

    function getSharesByPooledEth(uint256 ethAmount) public view returns (uint256) {
        if (totalPooledEther == 0) return ethAmount;
        return ethAmount * totalShares / totalPooledEther;
    }

    function getPooledEthByShares(uint256 sharesAmount) public view returns (uint256) {
        if (totalShares == 0) return sharesAmount;
        return sharesAmount * totalPooledEther / totalShares;
    }

    function balanceOf(address account) external view returns (uint256) {
        return getPooledEthByShares(sharesOf[account]);
    }

    /// Test faucet: mints stETH worth `ethAmount` to `to` (the real token takes ETH via submit()).
    function mint(address to, uint256 ethAmount) external {
        require(msg.sender == owner, "only owner");
        uint256 shares = getSharesByPooledEth(ethAmount);
        totalShares += shares;
        totalPooledEther += ethAmount;
        sharesOf[to] += shares;
        emit Transfer(address(0), to, ethAmount);
        emit TransferShares(address(0), to, shares);
    }

    /// The oracle report: pooled ether becomes `postTotalEther`; fees are minted as shares to the owner.
    function rebase(uint256 postTotalEther, uint256 timeElapsed, uint256 sharesMintedAsFees) external {
        require(msg.sender == owner, "only owner");
        uint256 preShares = totalShares;
        uint256 preEther = totalPooledEther;
        totalShares = preShares + sharesMintedAsFees;
        sharesOf[owner] += sharesMintedAsFees;
        totalPooledEther = postTotalEther;
        emit TokenRebased(block.timestamp, timeElapsed, preShares, preEther, totalShares, postTotalEther, sharesMintedAsFees);
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= amount, "allowance exceeded");
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _transfer(from, to, amount);
        return true;
    }

    function _transfer(address from, address to, uint256 amount) internal {
        uint256 shares = getSharesByPooledEth(amount);
        require(sharesOf[from] >= shares, "balance exceeded");
        sharesOf[from] -= shares;
        sharesOf[to] += shares;
        emit Transfer(from, to, amount);
        emit TransferShares(from, to, shares);
    }
}
