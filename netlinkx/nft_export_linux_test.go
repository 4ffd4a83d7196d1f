package netlinkx

// NftMidRead is nftMidRead: a test sets it to change the ruleset in the
// middle of ReadNftRuleset's reads.
var NftMidRead = &nftMidRead

// NftReadTries is nftReadTries, the bound on ReadNftRuleset's reads.
const NftReadTries = nftReadTries

// NftGen is nftGen: the ruleset's generation ID now.
var NftGen = nftGen
