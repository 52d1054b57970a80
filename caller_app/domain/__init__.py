"""What a phone bank is, without Qt, SQL or HTTP: plain data and pure rules."""
