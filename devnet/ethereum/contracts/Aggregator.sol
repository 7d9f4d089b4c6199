// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// A Chainlink-style price feed (AggregatorV3Interface's read side) whose answer the owner sets.
contract Aggregator {
    address public immutable owner;
    uint8 public immutable decimals;
    string public description;
    uint80 private roundId;
    int256 private answer;
    uint256 private updatedAt;

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    constructor(uint8 decimals_, string memory description_, int256 initialAnswer) {
        owner = msg.sender;
        decimals = decimals_;
        description = description_;
        _set(initialAnswer);
    }

    function setAnswer(int256 newAnswer) external {
        require(msg.sender == owner, "only owner");
        _set(newAnswer);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (roundId, answer, updatedAt, updatedAt, roundId);
    }

    function _set(int256 newAnswer) internal {
        roundId += 1;
        answer = newAnswer;
        updatedAt = block.timestamp;
        emit AnswerUpdated(newAnswer, roundId, block.timestamp);
    }
}
