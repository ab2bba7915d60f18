"""Test purchases: a young person sent by trading standards or the police tries to buy alcohol."""
