"""The registry screens: customers, vehicles, subscriptions, products, devices and their bulk load."""
