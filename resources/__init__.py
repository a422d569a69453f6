"""Icons and other files pdtray loads at run time (packaged as ``pdtray.resources``)."""
