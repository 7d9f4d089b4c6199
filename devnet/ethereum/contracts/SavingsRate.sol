// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// The read side of Maker's Pot (`dsr()`) and Sky's sUSDS (`ssr()`): a per-second compounding rate in
/// ray (10^27 = 0 %), which the owner sets with `file` as governance does. Both contracts refuse a rate
/// below one ray; so does this one. Deployed twice: as the Pot and as sUSDS.
contract SavingsRate {
    uint256 internal constant RAY = 10 ** 27;
    address public immutable owner;
    uint256 internal rate;

    constructor(uint256 rate_) {
        owner = msg.sender;
        _file(rate_);
    }

    function dsr() external view returns (uint256) {
        return rate;
    }

    function ssr() external view returns (uint256) {
        return rate;
    }

    function file(uint256 rate_) external {
        require(msg.sender == owner, "only owner");
        _file(rate_);
    }

    function _file(uint256 rate_) internal {
        require(rate_ >= RAY, "rate below one ray");
        rate = rate_;
    }
}
