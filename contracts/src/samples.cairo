mod owned_counter;
