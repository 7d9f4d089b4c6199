// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// The read half of Multicall3's `aggregate3` (same signature and ABI as the canonical deployment at
/// 0xcA11bde05977b3631167028862bE2a173976CA11), for local chains that lack it.
contract Multicall3 {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            (bool success, bytes memory ret) = calls[i].target.staticcall(calls[i].callData);
            require(success || calls[i].allowFailure, "Multicall3: call failed");
            returnData[i] = Result(success, ret);
        }
    }
}
