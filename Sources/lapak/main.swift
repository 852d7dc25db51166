print("lapak")
